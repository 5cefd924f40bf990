"""Admin for violations (read-mostly), reason codes, and the read-only audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from alerts.audit import csv_response
from alerts.models import AuditEntry, ReasonCode, Violation
from hierarchy.scoping import ScopedAdminMixin


class AcknowledgedFilter(admin.SimpleListFilter):
    title = "acknowledged"
    parameter_name = "acknowledged"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Acknowledged"), ("no", "Open")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(acknowledged_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(acknowledged_at__isnull=True)
        return queryset


@admin.register(Violation)
class ViolationAdmin(ScopedAdminMixin, admin.ModelAdmin[Violation]):
    list_display = [
        "created_at",
        "characteristic",
        "rule",
        "severity",
        "sample",
        "acknowledged",
        "acknowledged_by",
        "reason_code",
    ]
    list_filter = [AcknowledgedFilter, "severity", "rule", "reason_code"]
    search_fields = ["characteristic__name", "comment"]
    date_hierarchy = "created_at"
    list_select_related = ["characteristic", "sample", "acknowledged_by", "reason_code"]
    readonly_fields = [f.name for f in Violation._meta.fields]

    @admin.display(boolean=True, ordering="acknowledged_at")
    def acknowledged(self, obj: Violation) -> bool:
        return obj.is_acknowledged

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReasonCode)
class ReasonCodeAdmin(admin.ModelAdmin[ReasonCode]):
    list_display = ["code", "description", "category", "active"]
    list_filter = ["category", "active"]
    list_editable = ["active"]
    search_fields = ["code", "description"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ScopedAdminMixin, admin.ModelAdmin[AuditEntry]):
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
        if not request.user.has_perm("alerts.export_auditentry"):
            raise PermissionDenied
        return csv_response(queryset.order_by("time", "id"))
