"""Admin for OPC UA endpoints (with their nodes and the worker's status) and the nodes."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from ingest.models import OpcUaEndpoint, OpcUaNode, OpcUaStatus


class NodeInline(admin.TabularInline[OpcUaNode, OpcUaEndpoint]):
    model = OpcUaNode
    extra = 1
    fields = ["node_id", "characteristic", "active"]
    autocomplete_fields = ["characteristic"]


STATUS_FIELDS = (
    "connected",
    "since",
    "last_value",
    "last_value_at",
    "values",
    "last_error",
    "last_error_at",
    "errors",
    "reconnects",
    "heartbeat_at",
)


class StatusInline(admin.StackedInline[OpcUaStatus, OpcUaEndpoint]):
    model = OpcUaStatus
    can_delete = False
    fields = STATUS_FIELDS
    readonly_fields = STATUS_FIELDS
    verbose_name_plural = "status (written by manage.py ingest_opcua)"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OpcUaEndpoint)
class OpcUaEndpointAdmin(admin.ModelAdmin[OpcUaEndpoint]):
    list_display = ["name", "url", "active", "connected", "last_value", "errors"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    inlines = [NodeInline, StatusInline]
    fieldsets = [
        (None, {"fields": ["name", "url", "active", "publishing_interval_ms"]}),
        (
            "Security",
            {"fields": ["security_policy", "certificate_path", "private_key_path"]},
        ),
        ("User", {"fields": ["username", "password"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[OpcUaEndpoint]:
        return super().get_queryset(request).select_related("status")

    @admin.display(boolean=True, description="connected")
    def connected(self, obj: OpcUaEndpoint) -> bool | None:
        status = getattr(obj, "status", None)
        return status.connected if status is not None else None

    @admin.display(description="last value")
    def last_value(self, obj: OpcUaEndpoint) -> str:
        status = getattr(obj, "status", None)
        if status is None or status.last_value_at is None:
            return "–"
        return f"{status.last_value} at {status.last_value_at:%Y-%m-%d %H:%M:%S}"

    @admin.display(description="errors")
    def errors(self, obj: OpcUaEndpoint) -> str:
        status = getattr(obj, "status", None)
        if status is None or not status.errors:
            return "0"
        return f"{status.errors}: {status.last_error[:80]}"


@admin.register(OpcUaNode)
class OpcUaNodeAdmin(admin.ModelAdmin[OpcUaNode]):
    list_display = ["node_id", "endpoint", "characteristic", "active"]
    list_filter = ["endpoint", "active"]
    search_fields = ["node_id", "characteristic__name"]
    list_select_related = ["endpoint", "characteristic"]
    autocomplete_fields = ["characteristic"]
