"""Report pages for the QA manager: capability study, violation analysis, exports, jobs."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hierarchy.roles import QA_MANAGER, role_required
from hierarchy.scoping import scope_queryset
from spc.charts.data import MAX_POINTS, chart_data
from spc.charts.figures import control_figure
from spc.core.errors import InputError
from spc.core.types import ChartType
from spc.models import Characteristic
from spc.reports import capability_figures as nonnormal_figures
from spc.reports import exports, figures, jobs, streaming, tasks
from spc.reports.capability_nonnormal import nonnormal_view
from spc.reports.capability_study import capability_study
from spc.reports.display import capability_view
from spc.reports.forms import CapabilityForm, ExportForm, ScopeForm
from spc.reports.pareto import PARETO_DIMENSIONS, unacknowledged_page, violation_analysis
from spc.reports.scope import ReportScope, scope_params_for, user_scope

PARETO_TITLES = {
    "rule": "By rule",
    "reason_code": "Acknowledged, by reason code",
    "characteristic": "By characteristic",
}


@role_required(QA_MANAGER)
def index(request: HttpRequest) -> HttpResponse:
    """The Reports menu: choose a part of the plant, a period and an export."""
    form = ExportForm(request.GET or None)
    chars = scope_queryset(
        Characteristic.objects.select_related("hierarchy").order_by("hierarchy__path", "name"),
        request.user,
    )
    variables = [c for c in chars if ChartType(c.chart_type).is_variable]
    return render(request, "reports/index.html", {"form": form, "characteristics": variables})


@role_required(QA_MANAGER)
def export_csv(request: HttpRequest) -> HttpResponseBase:
    """Stream one table as CSV straight away (no job): bounded memory for any size."""
    form = ExportForm(request.GET)
    if not form.is_valid() or form.cleaned_data["kind"] == "report":
        return render(request, "reports/index.html", {"form": form}, status=400)
    scope = _user_scope(request, form.scope_params())
    kind = form.cleaned_data["kind"]
    name = exports.filename(kind, scope, "csv")
    return exports.csv_response(exports.table(kind, scope), name, asgi=streaming.is_asgi(request))


@role_required(QA_MANAGER)
@require_POST
def start_job(request: HttpRequest) -> HttpResponse:
    """Queue an XLSX/PDF (or CSV) file as a background job and show its progress."""
    form = ExportForm(request.POST)
    if not form.is_valid():
        return render(request, "reports/index.html", {"form": form}, status=400)
    data = form.cleaned_data
    job = tasks.start_report(
        data["kind"],
        data["format"],
        scope_params_for(request.user, form.scope_params()),
        request.user.pk,
    )
    return redirect("reports:job", job_id=job.id)


@role_required(QA_MANAGER)
def job_detail(request: HttpRequest, job_id: str) -> HttpResponse:
    """A job's progress; the fragment re-polls itself until the file is ready."""
    job = _own_job(request, job_id)
    template = (
        "reports/partials/job.html" if getattr(request, "htmx", False) else "reports/job.html"
    )
    return render(request, template, {"job": job})


@role_required(QA_MANAGER)
def job_download(request: HttpRequest, job_id: str) -> HttpResponseBase:
    """The finished report file, streamed."""
    job = _own_job(request, job_id)
    if job.state != jobs.DONE or not job.path.exists():
        raise Http404("The report is not ready.")
    return streaming.file_attachment(
        job.path,
        filename=job.filename,
        content_type=jobs.CONTENT_TYPES[job.format],
        asgi=streaming.is_asgi(request),
    )


@role_required(QA_MANAGER)
def capability_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Capability six-pack of one characteristic over a period: the control chart of the
    period, histogram with both normal curves, probability plot, indices, PPM, verdict;
    then the fit table and the chosen distribution's percentile indices and plot."""
    chars = scope_queryset(Characteristic.objects.select_related("hierarchy"), request.user)
    char = get_object_or_404(chars, pk=pk)
    form = CapabilityForm(request.GET or None)
    context: dict[str, Any] = {"char": char, "form": form, "study": None, "error": ""}
    if form.is_bound and not form.is_valid():
        context["error"] = "Check the dates, the distribution and λ."
        return render(request, "reports/capability.html", context, status=400)
    scope = _user_scope(request, form.scope_params() if form.is_bound else {})
    data = chart_data(char, start=scope.start, end=scope.end, limit=MAX_POINTS)
    context["chart"] = control_figure(data)
    context["chart_shown"] = len(data["points"])
    context["chart_total"] = scope.samples().filter(characteristic=char).count()
    choice = (form.cleaned_data.get("distribution") if form.is_bound else "") or "normal"
    lam = form.cleaned_data.get("lambda") if form.is_bound else None
    try:
        study = capability_study(
            char, start=scope.start, end=scope.end, distribution=choice, lam=lam, strict=False
        )
    except InputError as exc:
        context["error"] = exc.message
        return render(request, "reports/capability.html", context)
    context.update(study=study, view=capability_view(study), choice=choice,
                   figure=figures.capability_figure(study),
                   probability=nonnormal_figures.probability_figure(study))  # fmt: skip
    if study["nonnormal"] is not None:
        char_info = study["characteristic"]
        context["nonnormal"] = nonnormal_view(
            study["nonnormal"], int(char_info["decimal_places"]), char_info["unit"] or ""
        )
    return render(request, "reports/capability.html", context)


@role_required(QA_MANAGER)
def violations_page(request: HttpRequest) -> HttpResponse:
    """Pareto of violations by rule, reason code and characteristic; open ones; time to ack."""
    form = ScopeForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "reports/violations.html", {"form": form}, status=400)
    scope = _user_scope(request, form.scope_params() if form.is_bound else {})
    analysis = violation_analysis(scope)
    paretos = [
        {
            "id": f"pareto-{d}",
            "data_id": f"pareto-{d}-data",
            "figure": figures.pareto_figure(analysis["pareto"][d], PARETO_TITLES[d]),
            "bars": len(analysis["pareto"][d]),
        }
        for d in PARETO_DIMENSIONS
    ]
    page = unacknowledged_page(scope, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "analysis": analysis, "paretos": paretos, "page": page,
               "query": query.urlencode()}  # fmt: skip
    return render(request, "reports/violations.html", context)


def charts_js(request: HttpRequest) -> HttpResponse:
    """The small script that draws every figure found in a ``json_script`` on the page."""
    response = render(request, "reports/charts.js", content_type="text/javascript")
    response["Cache-Control"] = "max-age=3600"
    return response


def reports_css(request: HttpRequest) -> HttpResponse:
    """The report pages' own styles (six-pack grid, verdict, tables, pagination)."""
    response = render(request, "reports/reports.css", content_type="text/css")
    response["Cache-Control"] = "max-age=3600"
    return response


def _own_job(request: HttpRequest, job_id: str) -> jobs.Job:
    """The job if it exists and belongs to the user (staff see every job); else 404."""
    job = jobs.load_job(job_id)
    if job is None or (job.user_id != request.user.pk and not request.user.is_staff):
        raise Http404("No such report.")
    return job


def _user_scope(request: HttpRequest, params: dict[str, Any]) -> ReportScope:
    """The report scope of ``params`` within the user's sites (404 outside them)."""
    try:
        return user_scope(request.user, params)
    except InputError as exc:
        raise Http404(exc.message) from exc
