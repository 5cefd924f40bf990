"""Admin for dead letters and ingest counters (both read-only).

Scoped like the rest of the admin: neither belongs to a characteristic, so only whole-plant
users see their rows (a user granted some sites sees an empty list). Topic and Sparkplug
mappings are fields of the characteristic, whose admin is scoped by site already.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from hierarchy.scoping import granted_paths
from ingest.models import DeadLetter, IngestCounter


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class WholePlantOnlyMixin:
    """ModelAdmin mixin for rows without a place in the plant: whole-plant users see them,
    users granted only some sites see none."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        """Every row for whole-plant users, none for anyone else."""
        qs = super().get_queryset(request)  # type: ignore[misc]
        return qs if granted_paths(request.user) is None else qs.none()


DEAD_LETTER_FIELDS = ("received_at", "topic", "reason", "detail", "payload_preview")


@admin.register(DeadLetter)
class DeadLetterAdmin(WholePlantOnlyMixin, ReadOnlyAdmin):
    list_display = ["received_at", "reason", "topic", "payload_preview"]
    list_filter = ["reason"]
    search_fields = ["topic", "detail"]
    date_hierarchy = "received_at"
    fields = DEAD_LETTER_FIELDS
    readonly_fields = DEAD_LETTER_FIELDS


@admin.register(IngestCounter)
class IngestCounterAdmin(WholePlantOnlyMixin, ReadOnlyAdmin):
    list_display = ["name", "value", "updated_at"]
    search_fields = ["name"]


# Import records (read-only); OPC UA endpoints, their nodes and the worker's status.
from ingest.imports import admin as imports_admin  # noqa: E402, F401
from ingest.opcua import admin as opcua_admin  # noqa: E402, F401
