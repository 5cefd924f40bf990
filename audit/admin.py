"""Admin for the audit trail: read-only, scoped to the user's sites, exportable as CSV."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from audit.exports import csv_response
from audit.models import AuditEntry
from audit.scoping import visible_entries


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    """The audit trail, read-only, for QA managers and admins; export as CSV."""

    list_display = [
        "time",
        "username",
        "action",
        "object_type",
        "object_repr",
        "reason",
        "signed",
    ]
    list_filter = ["action", "object_type", ("signature_meaning", admin.EmptyFieldListFilter)]
    search_fields = ["username", "object_repr", "reason", "object_id"]
    date_hierarchy = "time"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
    actions = ["export_csv"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry]:
        """The entries of the user's sites (and the plant-wide ones)."""
        return visible_entries(request.user, super().get_queryset(request))

    @admin.display(boolean=True, description="Signed")
    def signed(self, obj: AuditEntry) -> bool:
        return obj.is_signed

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Export the selected entries as CSV")
    def export_csv(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> HttpResponse:
        """The chosen rows as a CSV file."""
        if not request.user.has_perm("audit.export_auditentry"):
            raise PermissionDenied
        return csv_response(queryset.order_by("time", "id"))
