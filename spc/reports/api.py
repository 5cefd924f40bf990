"""Reports over REST, under ``/api/v1/reports/`` (token or session auth).

* ``GET capability/?node=&start=&end=`` — capability study per variables characteristic;
* ``GET violations/?node=&start=&end=`` — Pareto by rule / reason code / characteristic,
  time to acknowledge, open violations;
* ``GET export/?kind=&node=&start=&end=`` — one table streamed as CSV;
* ``POST jobs/`` ``{kind, format, node, start, end}`` → 202 with the job;
  ``GET jobs/{id}/`` — state and progress; ``GET jobs/{id}/download/`` — the file.

QA managers (and admins) only; every result covers only the user's sites.
Errors are 400 with field details (``{"field": ["message"]}``), never a 500.
"""

from __future__ import annotations

from typing import Any

from django.http.response import HttpResponseBase
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from openspc.api_permissions import IsQAManager
from spc.core.errors import InputError
from spc.reports import exports, jobs, streaming, tasks
from spc.reports.pareto import violation_analysis
from spc.reports.scope import ReportScope, scope_params_for, user_scope

SCOPE_PARAMETERS = [
    OpenApiParameter("node", OpenApiTypes.INT, description="Plant node: it and everything below"),
    OpenApiParameter("start", OpenApiTypes.STR, description="ISO date or date-time, inclusive"),
    OpenApiParameter("end", OpenApiTypes.STR, description="ISO date or date-time, inclusive"),
]


class JobRequestSerializer(serializers.Serializer):
    """What a report job is asked to produce."""

    kind = serializers.ChoiceField(choices=list(tasks.REPORT_KINDS))
    format = serializers.ChoiceField(choices=list(jobs.FORMATS))
    node = serializers.IntegerField(required=False, allow_null=True)
    start = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    end = serializers.CharField(required=False, allow_blank=True, allow_null=True)


@extend_schema(parameters=SCOPE_PARAMETERS, responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
@permission_classes([IsQAManager])
def capability(request: Request) -> Response:
    """Capability study of every variables characteristic in the scope."""
    scope = _scope(request)
    rows = [
        dict(zip(exports.CAPABILITY_KEYS, row, strict=True))
        for row in exports.capability_table(scope).rows
    ]
    return Response({"scope": scope.to_params(), "results": rows})


@extend_schema(parameters=SCOPE_PARAMETERS, responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
@permission_classes([IsQAManager])
def violations(request: Request) -> Response:
    """Pareto of violations, time to acknowledge and the open ones."""
    return Response(violation_analysis(_scope(request)))


@extend_schema(
    parameters=[
        OpenApiParameter("kind", OpenApiTypes.STR, enum=list(exports.TABLES), required=True),
        *SCOPE_PARAMETERS,
    ],
    responses={(200, "text/csv"): OpenApiTypes.STR},
)
@api_view(["GET"])
@permission_classes([IsQAManager])
def export(request: Request) -> HttpResponseBase:
    """One table as CSV, streamed."""
    scope = _scope(request)
    kind = request.query_params.get("kind", "")
    try:
        t = exports.table(kind, scope)
    except InputError as exc:
        raise ValidationError({exc.field: [exc.message]}) from exc
    name = exports.filename(kind, scope, "csv")
    return exports.csv_response(t, name, asgi=streaming.is_asgi(request))


@extend_schema(request=JobRequestSerializer, responses={202: OpenApiTypes.OBJECT})
@api_view(["POST"])
@permission_classes([IsQAManager])
def create_job(request: Request) -> Response:
    """Queue a report file; poll the returned ``url`` until ``state`` is DONE."""
    data = JobRequestSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    v = data.validated_data
    scope = {"node": v.get("node"), "start": v.get("start"), "end": v.get("end")}
    scope = scope_params_for(request.user, scope)
    try:
        job = tasks.start_report(v["kind"], v["format"], scope, request.user.pk)
    except InputError as exc:
        raise ValidationError({exc.field: [exc.message]}) from exc
    return Response(_job_data(request, job), status=status.HTTP_202_ACCEPTED)


@extend_schema(responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
@permission_classes([IsQAManager])
def job_detail(request: Request, job_id: str) -> Response:
    """State, progress and (when DONE) the download URL of a job."""
    return Response(_job_data(request, _own_job(request, job_id)))


@extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
@api_view(["GET"])
@permission_classes([IsQAManager])
def job_download(request: Request, job_id: str) -> HttpResponseBase:
    """The finished file, streamed."""
    job = _own_job(request, job_id)
    if job.state != jobs.DONE or not job.path.exists():
        raise NotFound("The report is not ready.")
    return streaming.file_attachment(
        job.path,
        filename=job.filename,
        content_type=jobs.CONTENT_TYPES[job.format],
        asgi=streaming.is_asgi(request),
    )


def _scope(request: Request) -> ReportScope:
    try:
        return user_scope(request.user, request.query_params)
    except InputError as exc:
        raise ValidationError({exc.field: [exc.message]}) from exc


def _own_job(request: Request, job_id: str) -> jobs.Job:
    job = jobs.load_job(job_id)
    if job is None or (job.user_id != request.user.pk and not request.user.is_staff):
        raise NotFound("No such report.")
    return job


def _job_data(request: Request, job: jobs.Job) -> dict[str, Any]:
    data = job.to_dict()
    data["url"] = request.build_absolute_uri(reverse("reports-api:job", args=[job.id]))
    data["download_url"] = (
        request.build_absolute_uri(reverse("reports-api:download", args=[job.id]))
        if job.state == jobs.DONE
        else None
    )
    return data


app_name = "reports-api"

urlpatterns = [
    path("capability/", capability, name="capability"),
    path("violations/", violations, name="violations"),
    path("export/", export, name="export"),
    path("jobs/", create_job, name="jobs"),
    path("jobs/<str:job_id>/", job_detail, name="job"),
    path("jobs/<str:job_id>/download/", job_download, name="download"),
]
