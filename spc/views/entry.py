"""Sample entry for operators: big inputs, a server-side spec check before submit, and the
result (rules fired) at once. The sample goes through ``spc.pipeline.processing.process``
like any other.
"""

from __future__ import annotations

import math
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hierarchy.roles import OPERATOR, role_required
from hierarchy.scoping import scope_queryset
from spc.charts.style import format_value
from spc.core.errors import InputError
from spc.core.plausibility import ValueLabel, check_plausible
from spc.core.rule_texts import rule_text
from spc.forms import SampleEntryForm
from spc.models import Characteristic
from spc.pipeline.processing import SubgroupInput, process
from spc.views import HtmxHttpRequest
from spc.views.nodes import node_crumbs


def local_value(value: float | None, decimals: int) -> str:
    """A value with the characteristic's decimals in the page language's number format
    (``74,012`` in German); an en dash when missing."""
    if value is None or not math.isfinite(value):
        return format_value(value, decimals)
    return number_format(value, decimals)


def spec_check(char: Characteristic, values: list[tuple[int, float]]) -> tuple[list[str], str]:
    """Messages for typed values outside [LSL, USL] and their positions ("0,3").

    A value exactly on a spec limit is inside it.
    """
    outside: list[str] = []
    positions: list[str] = []
    usl = local_value(char.usl, char.decimal_places)
    lsl = local_value(char.lsl, char.decimal_places)
    for position, value in values:
        shown = local_value(value, char.decimal_places)
        if char.usl is not None and value > char.usl:
            outside.append(
                _("Value %(n)s: %(value)s is above USL %(usl)s")
                % {"n": position + 1, "value": shown, "usl": usl}
            )
        elif char.lsl is not None and value < char.lsl:
            outside.append(
                _("Value %(n)s: %(value)s is below LSL %(lsl)s")
                % {"n": position + 1, "value": shown, "lsl": lsl}
            )
        else:
            continue
        positions.append(str(position))
    return outside, ",".join(positions)


def _input_of(form: SampleEntryForm, request: HttpRequest) -> SubgroupInput:
    data = form.cleaned_data
    return SubgroupInput(
        characteristic_id=form.characteristic.pk,
        measurements=() if form.is_attribute else form.measurements(),
        count=data.get("count") if form.is_attribute else None,
        sample_size=data.get("sample_size") if form.is_attribute else None,
        operator=data.get("operator") or request.user.get_username(),
        batch_number=data.get("batch_number") or "",
        part_number=data.get("part_number") or "",
        source="MANUAL",
        user_id=request.user.pk,
        spec_confirmed=bool(data.get("confirm_out_of_spec")),
    )


def _result(char: Characteristic, form: SampleEntryForm, request: HttpRequest) -> dict[str, Any]:
    """Process the subgroup; the result context or the errors to show."""
    try:
        result = process(_input_of(form, request))
    except InputError as exc:
        return {"errors": [exc.message]}
    sample = result.sample
    return {
        "result": {
            "sample_id": sample.pk,
            "value_display": local_value(sample.value, char.decimal_places),
            "unit": char.unit,
            "is_undersized": sample.is_undersized,
            "has_limits": sample.ucl is not None,
            "out_of_spec": sample.out_of_spec,
            "spec_confirmed_by": request.user.get_username() if sample.spec_confirmed_by_id else "",
            "violations": [
                {
                    "rule": v.rule,
                    "rule_name": rule_text(v.rule, char.rules, char.chart_type),
                    "severity": v.severity,
                }
                for v in result.violations
            ],
        }
    }


@role_required(OPERATOR)
def entry(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The entry form (GET) and its submission (POST, plain or HTMX)."""
    chars = scope_queryset(Characteristic.objects.select_related("hierarchy"), request.user)
    char = get_object_or_404(chars, pk=pk)
    form = SampleEntryForm(request.POST or None, characteristic=char)
    outcome: dict[str, Any] = {}
    if request.method == "POST":
        if form.is_valid():
            outcome = _result(char, form, request)
        else:
            outcome = {"errors": _form_errors(form), "warning": warnings(char, form)}
        if request.htmx:
            outcome["oob_warning"] = "warning" in outcome
            response = render(request, "spc/partials/entry_result.html", outcome)
            if "result" in outcome:
                response["HX-Trigger"] = "entry-stored"
            return response
        if "result" in outcome:
            form = SampleEntryForm(characteristic=char)
    area_id = request.session.get("area_id")
    context = {
        "char": char,
        "form": form,
        **outcome,
        "breadcrumbs": [
            *node_crumbs(char.hierarchy),
            {"name": char.name, "url": char_url(char)},
            {"name": _("Enter sample"), "url": ""},
        ],
        "area_id": area_id,
        "warning": outcome.get("warning") or {},
    }
    return render(request, "spc/entry.html", context)


def _form_errors(form: SampleEntryForm) -> list[str]:
    """Each error as a sentence; a value's errors are led by its label ("Value 1: …")."""
    values = {field.name for field in form.measurement_fields()}
    return [
        f"{form.fields[n].label}: {msg}" if n in values else str(msg)
        for n, errors in form.errors.items()
        for msg in errors
    ]


def warnings(char: Characteristic, form: SampleEntryForm) -> dict[str, Any]:
    """What the spec warning shows for the typed values: implausible values (refused),
    else values outside the spec with the confirmation box (ticked if it was)."""
    typed = form.typed_values()
    label = ValueLabel(char.name, char.unit, char.decimal_places)
    implausible = []
    for position, value in typed:
        try:
            check_plausible((value,), char.plausible_low, char.plausible_high, label)
        except InputError as exc:
            implausible.append(
                _("Value %(n)s: %(error)s") % {"n": position + 1, "error": exc.message}
            )
    outside, positions = ([], "") if implausible else spec_check(char, typed)
    confirmed = form.data.get("confirm_out_of_spec") in ("on", "true", "1")
    return {
        "implausible": implausible,
        "outside": outside,
        "positions": positions,
        "confirmed": confirmed,
    }


def char_url(char: Characteristic) -> str:
    """The characteristic page's address."""
    return reverse("spc:characteristic", args=[char.pk])


@role_required(OPERATOR)
@require_POST
def entry_check(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """HTMX: warn about typed values outside the spec limits before the operator submits."""
    char = get_object_or_404(scope_queryset(Characteristic.objects.all(), request.user), pk=pk)
    form = SampleEntryForm(request.POST, characteristic=char)
    return render(request, "spc/partials/spec_warning.html", warnings(char, form))
