"""The characteristic page: chart pair, status, open violations, sample detail, exclusion."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from alerts.models import ReasonCode, Violation
from audit.signatures import EXCLUSION, INCLUSION, ChangeRefused, sign
from hierarchy.roles import ENGINEER, OPERATOR, role_required
from hierarchy.scoping import scope_queryset
from spc.charts.cached import cached_figure
from spc.charts.style import format_value, reading
from spc.core.errors import InputError
from spc.core.rule_texts import rule_text
from spc.forms import ExclusionForm, TimeRangeForm
from spc.jobs import overdue
from spc.live import fragments
from spc.live.sampling import sampling_badge
from spc.models import Characteristic, Sample
from spc.pipeline import limit_changes as services
from spc.views import HtmxHttpRequest
from spc.views.nodes import node_crumbs

PANEL_PAGE_SIZE = 10


def open_violation_rows(char: Characteristic) -> list[dict[str, Any]]:
    """One row per open episode of the characteristic, newest first."""
    open_qs = Violation.objects.unacknowledged().filter(characteristic=char)
    episodes: dict[int, list[Violation]] = {}
    for v in open_qs.select_related("sample").order_by("id"):
        episodes.setdefault(v.episode or v.pk, []).append(v)
    summary = fragments.char_fields(char)
    rows = []
    for members in episodes.values():
        head = members[0]
        sample = {**fragments.sample_fields(head.sample), "timestamp": None}
        row = fragments.violation_row(
            violation={
                "id": head.pk,
                "rule": head.rule,
                # as configured (a run of 8, not Nelson's 9), like every other rule text
                "rule_name": rule_text(head.rule, char.rules, char.chart_type),
                "severity": head.severity,
                "episode": head.episode,
                "created_at": head.created_at,
            },
            char=summary,
            sample=sample,
            count=len(members),
        )
        rows.append(row)
    rows.reverse()
    return rows


def panel_context(char: Characteristic, page: str | None = None) -> dict[str, Any]:
    """Context of ``alerts/partials/violation_panel.html``: one page of the open episodes
    (``PANEL_PAGE_SIZE``, newest first) and how many there are."""
    paginated = Paginator(open_violation_rows(char), PANEL_PAGE_SIZE).get_page(page)
    return {
        "char_id": char.pk,
        "rows": list(paginated.object_list),
        "page": paginated,
        "count": paginated.paginator.count,
        "panel_url": reverse("spc:violation-panel", args=[char.pk]),
    }


@role_required(OPERATOR)
def detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The live chart page of one characteristic."""
    char = get_object_or_404(_chars(request).select_related("hierarchy"), pk=pk)
    form = TimeRangeForm(request.GET or None)
    start, end, limit = form.bounds()
    data, figure = cached_figure(char, start=start, end=end, limit=limit, axis=form.x_axis())
    points = data["points"]
    last = points[-1] if points else None
    area_id = request.session.get("area_id")
    live = form.is_live()
    status = fragments.char_status(
        data["characteristic"], data["state"], data["open_violations"], last
    )
    status["sampling"] = sampling_badge(overdue.status(char))
    context = {
        "char": char,
        "form": form,
        "figure_json": figure,
        "axis": form.x_axis(),
        "figure_url": f"{reverse('spc:figure', args=[pk])}?{request.GET.urlencode()}",
        "live": live,
        "max_points": form.bounds()[2],
        "n_points": len(points),
        "status": status,
        "panel": panel_context(char),
        "reason_codes": ReasonCode.objects.filter(active=True),
        "breadcrumbs": [*node_crumbs(char.hierarchy), {"name": char.name, "url": ""}],
        "area_id": area_id,
        "live_params": f"char={pk}" + (f"&area={area_id}" if area_id else ""),
        "last_sample_id": max((p["id"] for p in points), default=0),
        "figure_id": f"figure-{pk}",
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "spc/characteristic.html#chart-section", context)
    return render(request, "spc/characteristic.html", context)


@role_required(OPERATOR)
def figure(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The chart figure as JSON (re-fetched after limit changes or exclusions)."""
    char = get_object_or_404(_chars(request), pk=pk)
    form = TimeRangeForm(request.GET or None)
    start, end, limit = form.bounds()
    _, figure = cached_figure(char, start=start, end=end, limit=limit, axis=form.x_axis())
    return HttpResponse(figure, content_type="application/json")


@role_required(OPERATOR)
def violation_panel(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The open-violations panel alone (re-fetched after a reconnect)."""
    char = get_object_or_404(_chars(request), pk=pk)
    context = panel_context(char, request.GET.get("page"))
    return render(request, "alerts/partials/violation_panel.html", {**context, "panel": context})


def _sample_context(sample: Sample, error: str = "") -> dict[str, Any]:
    char = sample.characteristic
    violations = []
    for v in sample.violations.select_related("acknowledged_by", "reason_code").order_by("rule"):
        ack = None
        if v.acknowledged_at:
            by = v.acknowledged_by.get_username() if v.acknowledged_by else ""
            ack = fragments.ack_info(
                by, v.reason_code.code if v.reason_code else "", v.acknowledged_at
            )
        violations.append(
            {
                "rule": v.rule,
                "rule_name": rule_text(v.rule, char.rules, char.chart_type),
                "severity": v.severity,
                "ack": ack,
            }
        )
    return {
        "sample": sample,
        "char": char,
        "reading": reading(fragments.char_fields(char), fragments.sample_fields(sample)),
        "measurements": [
            format_value(m.value, char.decimal_places) for m in sample.measurements.all()
        ],
        "violations": violations,
        "error": error,
    }


def _chars(request: HttpRequest) -> QuerySet[Characteristic]:
    """Characteristics in the user's sites."""
    return scope_queryset(Characteristic.objects.all(), request.user)


def _get_sample(request: HttpRequest, pk: int) -> Sample:
    """A sample of the user's sites (404 for others')."""
    samples = Sample.objects.select_related("characteristic", "created_by").prefetch_related(
        "measurements"
    )
    return get_object_or_404(scope_queryset(samples, request.user), pk=pk)


@role_required(OPERATOR)
def sample_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A sample's measurements, operator, batch and violations, with exclude/include."""
    sample = _get_sample(request, pk)
    template = "spc/partials/sample_detail.html" if request.htmx else "spc/sample.html"
    return render(request, template, _sample_context(sample))


@role_required(ENGINEER)
@require_POST
def sample_exclusion(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Exclude a sample (reason required) or include it again; the chart re-fetches live."""
    sample = _get_sample(request, pk)
    form = ExclusionForm(request.POST)
    error = ""
    if form.is_valid():
        excluded = form.cleaned_data["excluded"]
        try:
            if excluded and not form.cleaned_data["reason"].strip():
                raise InputError("exclusion_reason", "Say why the sample is excluded.")
            signature = sign(
                request.user,
                form.cleaned_data["signature_password"],
                EXCLUSION if excluded else INCLUSION,
            )
            services.set_excluded(
                sample,
                excluded,
                reason=form.cleaned_data["reason"],
                user=request.user,
                signature=signature,
            )
        except (InputError, ChangeRefused) as exc:
            error = exc.message
    else:
        error = "Choose exclude or include."
    status = 200 if not error else 422
    response = render(
        request, "spc/partials/sample_detail.html", _sample_context(_get_sample(request, pk), error)
    )
    response.status_code = status if not request.htmx else 200
    return response
