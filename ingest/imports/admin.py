"""Admin for import records: read-only, each with its mapping, progress and problems."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from hierarchy.scoping import granted_paths
from ingest.imports.models import Import

IMPORT_FIELDS = (
    "filename",
    "created_at",
    "created_by",
    "state",
    "message",
    "rows_total",
    "rows_done",
    "in_time_order",
    "stored",
    "replayed",
    "refused",
    "violations",
    "problem_count",
    "problems",
    "mapping",
    "file_sha256",
    "size_bytes",
    "file_path",
    "started_at",
    "finished_at",
)


@admin.register(Import)
class ImportAdmin(admin.ModelAdmin[Import]):
    """Imports are made on the import page or the API; here they are only read."""

    list_display = ["filename", "created_at", "created_by", "state", "stored", "problem_count"]
    list_filter = ["state"]
    search_fields = ["filename", "file_sha256"]
    date_hierarchy = "created_at"
    fields = IMPORT_FIELDS
    readonly_fields = IMPORT_FIELDS

    def get_queryset(self, request: HttpRequest) -> QuerySet[Import]:
        """Whole-plant users see every import, others their own."""
        qs = super().get_queryset(request).select_related("created_by")
        if granted_paths(request.user) is None:
            return qs
        return qs.filter(created_by=request.user.pk)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
