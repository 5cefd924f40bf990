"""Corrective-action pages: open one from a violation, the list (filters, overdue, Pareto
by cause, CSV export) and an action's page to move it on."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from alerts import capa
from alerts.capa_forms import ActionFilterForm, ActionForm, ActionUpdateForm
from alerts.corrective_actions import CorrectiveAction
from alerts.models import Violation
from hierarchy.roles import ENGINEER, OPERATOR, has_role, role_required
from hierarchy.scoping import scope_queryset
from spc.core.errors import InputError
from spc.core.rule_texts import rule_text

PAGE_SIZE = 50


def visible_actions(user: Any) -> QuerySet[CorrectiveAction]:
    """The actions of the user's sites, soonest due first."""
    qs = CorrectiveAction.objects.select_related(
        "characteristic", "violation", "owner", "cause", "created_by"
    ).order_by("due_date", "id")
    return scope_queryset(qs, user)


def filtered(form: ActionFilterForm, qs: QuerySet[CorrectiveAction]) -> QuerySet[CorrectiveAction]:
    """``qs`` narrowed by the list's filters."""
    if not form.is_valid():
        return qs
    data = form.cleaned_data
    status = data.get("status")
    if status == "active":
        qs = qs.filter(
            status__in=[CorrectiveAction.Status.OPEN, CorrectiveAction.Status.IN_PROGRESS]
        )
    elif status:
        qs = qs.filter(status=status)
    if data.get("owner"):
        qs = qs.filter(owner=data["owner"])
    if data.get("overdue"):
        qs = qs.filter(capa.overdue_q())
    if data.get("q"):
        text = data["q"]
        qs = qs.filter(
            Q(title__icontains=text)
            | Q(description__icontains=text)
            | Q(characteristic__name__icontains=text)
        )
    return qs


@role_required(OPERATOR)
def action_list(request: HttpRequest) -> HttpResponse:
    """Corrective actions with filters, overdue ones marked, and a Pareto by cause."""
    form = ActionFilterForm(request.GET or None)
    actions = filtered(form, visible_actions(request.user))
    page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    today = timezone.localdate()
    pareto = capa.pareto_by_cause(actions)
    most = max((n for _, n, _ in pareto), default=0)
    context = {
        "form": form,
        "page": page,
        "rows": [(a, a.is_overdue(today)) for a in page.object_list],
        "query": query.urlencode(),
        "pareto": [(cause, n, cum, round(100 * n / most)) for cause, n, cum in pareto],
        "overdue_count": actions.filter(capa.overdue_q(today)).count(),
        "breadcrumbs": [{"name": "Corrective actions", "url": ""}],
    }
    return render(request, "alerts/actions.html", context)


@role_required(OPERATOR)
def action_export(request: HttpRequest) -> HttpResponse:
    """The filtered actions as CSV."""
    form = ActionFilterForm(request.GET or None)
    out = io.StringIO()
    capa.write_csv(filtered(form, visible_actions(request.user)), out)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="corrective-actions.csv"'
    return response


@role_required(OPERATOR)
def open_action(request: HttpRequest, violation_id: int) -> HttpResponse:
    """Open a corrective action for a violation's episode (any role that acknowledges)."""
    visible = scope_queryset(Violation.objects.select_related("characteristic"), request.user)
    violation = get_object_or_404(visible, pk=violation_id)
    form = ActionForm(request.POST or None, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            action = capa.open_action(violation, user=request.user, **form.cleaned_data)
        except InputError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"Corrective action CA-{action.pk} opened.")
            return redirect("spc:alerts:action", pk=action.pk)
    char = violation.characteristic
    context = {
        "form": form,
        "violation": violation,
        "rule_name": rule_text(violation.rule, char.rules, char.chart_type),
        "existing": CorrectiveAction.objects.filter(
            characteristic=char, episode=capa.episode_of(violation)
        ),
        "breadcrumbs": [
            {"name": "Corrective actions", "url": "/violations/actions/"},
            {"name": "Open", "url": ""},
        ],
    }
    return render(request, "alerts/action_form.html", context, status=400 if form.errors else 200)


@role_required(OPERATOR)
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An action and its history; its owner or an Engineer moves it on."""
    action = get_object_or_404(visible_actions(request.user), pk=pk)
    may_change = action.owner_id == request.user.pk or has_role(request.user, ENGINEER)
    initial = {
        "status": action.status,
        "owner": action.owner_id,
        "due_date": action.due_date,
        "cause": action.cause_id,
    }
    form = ActionUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not may_change:
            return HttpResponse("Only the owner or an Engineer changes this action.", status=403)
        if form.is_valid():
            try:
                capa.update_action(action, **form.cleaned_data)
            except InputError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "Saved.")
                return redirect("spc:alerts:action", pk=action.pk)
    char = action.characteristic
    context = {
        "action": action,
        "form": form,
        "may_change": may_change and action.status != CorrectiveAction.Status.CLOSED,
        "overdue": action.is_overdue(),
        "rule_name": rule_text(action.violation.rule, char.rules, char.chart_type),
        "breadcrumbs": [
            {"name": "Corrective actions", "url": "/violations/actions/"},
            {"name": f"CA-{action.pk}", "url": ""},
        ],
    }
    return render(request, "alerts/action_detail.html", context, status=400 if form.errors else 200)
