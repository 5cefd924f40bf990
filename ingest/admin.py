"""Admin for dead letters and ingest counters (both read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ingest.models import DeadLetter, IngestCounter


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


DEAD_LETTER_FIELDS = ("received_at", "topic", "reason", "detail", "payload_preview")


@admin.register(DeadLetter)
class DeadLetterAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "reason", "topic", "payload_preview"]
    list_filter = ["reason"]
    search_fields = ["topic", "detail"]
    date_hierarchy = "received_at"
    fields = DEAD_LETTER_FIELDS
    readonly_fields = DEAD_LETTER_FIELDS


@admin.register(IngestCounter)
class IngestCounterAdmin(ReadOnlyAdmin):
    list_display = ["name", "value", "updated_at"]
    search_fields = ["name"]
