"""Admin for violations (read-mostly) and reason codes."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from alerts.models import NEEDS_ACK, ReasonCode, Violation
from hierarchy.scoping import ScopedAdminMixin


class AcknowledgedFilter(admin.SimpleListFilter):
    title = "acknowledged"
    parameter_name = "acknowledged"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Acknowledged"), ("no", "Open (needs acknowledgement)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(acknowledged_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(NEEDS_ACK)
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

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """A violation is a quality record: acknowledged (or superseded), never deleted."""
        return False


@admin.register(ReasonCode)
class ReasonCodeAdmin(admin.ModelAdmin[ReasonCode]):
    list_display = ["code", "description", "category", "active"]
    list_filter = ["category", "active"]
    list_editable = ["active"]
    search_fields = ["code", "description"]


# Notification rules, endpoints and the delivery log.
# Corrective actions and their requirements (issue 23).
from alerts import capa_admin  # noqa: E402, F401
from alerts.notifications import admin as notification_admin  # noqa: E402, F401
