"""``/api/v1/imports/``: upload a file with its mapping, read the preview and the
problems, start the job, poll its progress.

POST (multipart: ``file`` plus the mapping's fields, or ``mapping`` as a JSON object;
``start=true`` to import at once) answers 201 with the record, the first rows read and
every problem found; nothing is stored until ``POST imports/{id}/start/``.
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from hierarchy.scoping import granted_paths
from ingest.imports import services
from ingest.imports.models import Import
from ingest.imports.runner import Scan
from ingest.imports.subgroups import Parsed
from openspc.api_permissions import ReadAnyWriteStaff
from spc.core.errors import InputError


class ImportSerializer(serializers.ModelSerializer[Import]):
    """An import record with its progress."""

    percent = serializers.IntegerField(read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = Import
        fields = [
            "id",
            "created_at",
            "created_by",
            "filename",
            "file_sha256",
            "size_bytes",
            "mapping",
            "state",
            "percent",
            "rows_total",
            "rows_done",
            "in_time_order",
            "stored",
            "replayed",
            "refused",
            "violations",
            "problem_count",
            "problems",
            "message",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer[Any]):
    """The upload: a file, its mapping (fields or one JSON object) and whether to start."""

    file = serializers.FileField()
    mapping = serializers.JSONField(required=False, help_text="The mapping as one object.")
    start = serializers.BooleanField(default=False)
    timestamp_column = serializers.CharField(required=False)
    characteristic = serializers.IntegerField(required=False)
    characteristic_column = serializers.CharField(required=False)
    layout = serializers.ChoiceField(choices=["wide", "long"], required=False)
    value_columns = serializers.CharField(required=False, help_text="Comma-separated names.")
    value_column = serializers.CharField(required=False)
    subgroup_column = serializers.CharField(required=False)
    count_column = serializers.CharField(required=False)
    sample_size_column = serializers.CharField(required=False)
    batch_column = serializers.CharField(required=False)
    operator_column = serializers.CharField(required=False)
    part_column = serializers.CharField(
        required=False, help_text="Short-run charts (DNOM, Z-MR): the part number column."
    )
    time_zone = serializers.CharField(required=False)
    date_format = serializers.CharField(required=False)
    delimiter = serializers.CharField(required=False, trim_whitespace=False)
    decimal = serializers.CharField(required=False)
    sheet = serializers.CharField(required=False)


def preview_rows(found: Scan) -> list[dict[str, Any]]:
    """The scan's first rows as JSON: a subgroup read, or the problem of its row."""
    rows: list[dict[str, Any]] = []
    for item in found.preview:
        if isinstance(item, Parsed):
            rows.append(
                {
                    "row": item.row,
                    "characteristic": item.characteristic_id,
                    "timestamp": item.stamp.isoformat(),
                    "measurements": item.values,
                    "count": item.count,
                    "sample_size": item.sample_size,
                    "batch_number": item.batch,
                    "operator": item.operator,
                    "part_number": item.part,
                }
            )
        else:
            rows.append({"row": item.row, "problem": item.as_dict()})
    return rows


class ImportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Import]
):
    """Imports: engineers upload and start them; a user sees their own (whole-plant users
    see every one)."""

    serializer_class = ImportSerializer
    permission_classes = [ReadAnyWriteStaff]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self) -> QuerySet[Import]:
        """The user's own imports, or all for whole-plant users."""
        qs = Import.objects.select_related("created_by")
        user = self.request.user
        return qs if granted_paths(user) is None else qs.filter(created_by=user.pk)

    @extend_schema(request=ImportUploadSerializer, responses={201: ImportSerializer})
    def create(self, request: Request) -> Response:
        """Keep the file, scan it by the mapping; start the job when ``start`` is true."""
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = dict(upload.validated_data)
        uploaded = data.pop("file")
        start = data.pop("start")
        mapping = data.pop("mapping", None) or {}
        if isinstance(mapping, str):
            try:
                mapping = json.loads(mapping)
            except ValueError as exc:
                raise InputError("mapping", "Not a JSON object.") from exc
        if not isinstance(mapping, dict):
            raise InputError("mapping", "Not a JSON object.")
        record, found = services.create(uploaded, uploaded.name, {**data, **mapping}, request.user)
        if start:
            record = services.start(record)
        body = dict(ImportSerializer(record).data)
        body["header"] = found.header
        body["preview"] = preview_rows(found)
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ImportSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        """Start the import job of a previewed file (once)."""
        record = services.start(self.get_object())
        return Response(ImportSerializer(record).data, status=status.HTTP_202_ACCEPTED)


router = DefaultRouter()
router.register("imports", ImportViewSet, basename="import")
urlpatterns = router.urls
