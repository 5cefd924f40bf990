"""The gauge list, study planning and the results page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hierarchy.roles import ENGINEER, OPERATOR, can_configure, role_required
from hierarchy.scoping import scope_queryset
from msa.analysis import analyse, complete, progress
from msa.figures import figures_for
from msa.forms import StudyForm
from msa.models import Gauge, GaugeStudy
from msa.report import render_study_pdf
from spc.core.errors import InputError


def visible_studies(request: HttpRequest) -> Any:
    """Studies of gauges in the user's sites."""
    qs = GaugeStudy.objects.select_related("gauge", "characteristic")
    return scope_queryset(qs, request.user, "gauge__site__path")


@role_required(OPERATOR)
def index(request: HttpRequest) -> HttpResponse:
    """Gauges with their calibration and latest verdict, and the recent studies."""
    gauges = scope_queryset(Gauge.objects.select_related("site"), request.user, "site__path")
    studies = visible_studies(request)[:50]
    context = {
        "gauges": gauges,
        "studies": [(s, *progress(s)) for s in studies],
        "can_plan": can_configure(request.user),
    }
    return render(request, "msa/index.html", context)


@role_required(ENGINEER)
def new_study(request: HttpRequest) -> HttpResponse:
    """Plan a study (engineers)."""
    form = StudyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.created_by_id = request.user.pk
        study = form.save()
        messages.success(request, f"Study “{study.name}” planned.")
        return redirect("msa:entry", pk=study.pk)
    return render(
        request, "msa/study_form.html", {"form": form}, status=400 if form.errors else 200
    )


@role_required(OPERATOR)
def results(request: HttpRequest, pk: int) -> HttpResponse:
    """The analysis, charts and verdict of a study (or what is missing)."""
    study = get_object_or_404(visible_studies(request), pk=pk)
    done, expected = progress(study)
    context: dict[str, Any] = {
        "study": study,
        "done": done,
        "expected": expected,
        "can_complete": can_configure(request.user),
    }
    try:
        result = analyse(study)
    except InputError as exc:
        context["error"] = exc.message
    else:
        context["result"] = result
        context["figures"] = [
            (name, f"{name}-figure", fig) for name, fig in figures_for(study.kind, result)
        ]
    return render(request, "msa/results.html", context)


@require_POST
@role_required(ENGINEER)
def complete_study(request: HttpRequest, pk: int) -> HttpResponse:
    """Store the verdict (engineers); a form message when the data cannot be analysed."""
    study = get_object_or_404(visible_studies(request), pk=pk)
    try:
        complete(study)
    except InputError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Study completed: {study.verdict.lower() or 'analysed'}.")
    return redirect("msa:results", pk=study.pk)


@role_required(OPERATOR)
def study_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The study's printable report (PDF)."""
    study = get_object_or_404(visible_studies(request), pk=pk)
    response = HttpResponse(render_study_pdf(study), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="gauge-study-{study.pk}.pdf"'
    return response
