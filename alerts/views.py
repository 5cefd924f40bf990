"""Operator pages for violations: the filtered list and the acknowledge action."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from alerts.models import INFORMATIONAL, NEEDS_ACK, ReasonCode, Violation
from alerts.services import acknowledge as acknowledge_violations
from hierarchy.roles import OPERATOR, role_required
from hierarchy.scoping import scope_queryset
from spc.core.errors import InputError
from spc.core.rule_texts import rule_text
from spc.forms import AcknowledgeForm, ViolationFilterForm, error_messages
from spc.live import fragments
from spc.views import HtmxHttpRequest

PAGE_SIZE = 50


def filtered(form: ViolationFilterForm) -> QuerySet[Violation]:
    """Violations matching the list page's filters, newest first."""
    qs = Violation.objects.select_related(
        "sample", "characteristic", "acknowledged_by", "reason_code"
    ).order_by("-created_at", "-id")
    if not form.is_valid():
        return qs.filter(NEEDS_ACK)
    data = form.cleaned_data
    status = data.get("status") or "open"
    if status == "open":  # needs an acknowledgement: informational ones never do
        qs = qs.filter(NEEDS_ACK)
    elif status == "informational":
        qs = qs.filter(severity=INFORMATIONAL)
    elif status == "acknowledged":
        qs = qs.filter(acknowledged_at__isnull=False)
    if data.get("characteristic"):
        qs = qs.filter(characteristic=data["characteristic"])
    if data.get("rule"):
        qs = qs.filter(rule=data["rule"])
    if data.get("severity"):
        qs = qs.filter(severity=data["severity"])
    if data.get("start"):
        qs = qs.filter(created_at__gte=data["start"])
    if data.get("end"):
        qs = qs.filter(created_at__lte=data["end"])
    return qs


def row_of(v: Violation) -> dict[str, Any]:
    """A violation as a list row (same partial as the characteristic page's panel)."""
    ack = None
    if v.acknowledged_at:
        by = v.acknowledged_by.get_username() if v.acknowledged_by else ""
        reason = v.reason_code.description if v.reason_code else ""
        ack = fragments.ack_info(by, reason, v.acknowledged_at)
    char = v.characteristic
    return fragments.violation_row(
        violation={
            "id": v.pk,
            "rule": v.rule,
            "rule_name": rule_text(v.rule, char.rules, char.chart_type),
            "severity": v.severity,
            "episode": v.episode,
            "created_at": v.created_at,
        },
        char=fragments.char_fields(char),
        sample=fragments.sample_fields(v.sample),
        ack=ack,
    )


@role_required(OPERATOR)
def violation_list(request: HtmxHttpRequest) -> HttpResponse:
    """All violations with filters; acknowledge one or many from the modal."""
    form = ViolationFilterForm(request.GET or None)
    visible = scope_queryset(filtered(form), request.user)
    page = Paginator(visible, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    area_id = request.session.get("area_id")
    context = {
        "form": form,
        "page": page,
        "rows": [row_of(v) for v in page.object_list],
        "query": query.urlencode(),
        "reason_codes": ReasonCode.objects.filter(active=True),
        "breadcrumbs": [{"name": "Violations", "url": ""}],
        "area_id": area_id,
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "alerts/violation_list.html#results", context)
    return render(request, "alerts/violation_list.html", context)


@role_required(OPERATOR)
@require_POST
def acknowledge(request: HtmxHttpRequest) -> HttpResponse:
    """Acknowledge the selected violations (and their episodes) as the logged-in user."""
    form = AcknowledgeForm(request.POST)
    errors: list[str] = []
    result = None
    if form.is_valid():
        try:
            result = acknowledge_violations(
                form.cleaned_data["violation_ids"],
                user=request.user,
                reason_code=form.cleaned_data["reason_code"],
                comment=form.cleaned_data["comment"],
            )
        except InputError as exc:
            errors.append(exc.message)
    else:
        errors = error_messages(form)
    if not request.htmx:
        if errors:
            messages.error(request, " ".join(errors))
        else:
            messages.success(request, "Acknowledged.")
        return redirect("spc:alerts:list")
    if errors:
        return render(request, "alerts/partials/ack_errors.html", {"errors": errors})
    assert result is not None
    reason = form.cleaned_data["reason_code"].description  # what a person reads, not the slug
    response = render(
        request,
        "alerts/partials/ack_done.html",
        {
            "count": len(result.acknowledged),
            # Only the rows the page showed (the selected ones): the other violations of
            # their episodes have no row there, and htmx reports a swap without a target.
            "rows": fragments.acknowledged_rows(
                [i for i in result.acknowledged if i in set(form.cleaned_data["violation_ids"])],
                fragments.ack_info(request.user.get_username(), reason),
            ),
        },
    )
    response["HX-Trigger"] = "ack-done"
    return response
