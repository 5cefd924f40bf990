"""Admin for notification rules and webhook endpoints, and the read-only delivery log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from alerts.models import Delivery, DeliveryAttempt, NotificationRule, WebhookEndpoint
from hierarchy.scoping import ScopedAdminMixin, scope_queryset


@admin.register(NotificationRule)
class NotificationRuleAdmin(ScopedAdminMixin, admin.ModelAdmin[NotificationRule]):
    list_display = ["name", "node", "rules", "min_severity", "webhook", "escalation", "active"]
    list_filter = ["active", "min_severity"]
    search_fields = ["name", "email_recipients", "escalation_recipients"]
    list_select_related = ["node", "webhook"]
    fieldsets = [
        (None, {"fields": ["name", "active", "node", "rules", "min_severity"]}),
        ("Channels", {"fields": ["email_recipients", "webhook", "daily_digest"]}),
        ("Escalation", {"fields": ["escalation_after_minutes", "escalation_recipients"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[NotificationRule]:
        """Rules on nodes in the user's sites."""
        qs = super().get_queryset(request)
        return scope_queryset(qs, request.user, "node__path")

    @admin.display(description="escalation")
    def escalation(self, obj: NotificationRule) -> str:
        if not obj.escalation_after_minutes:
            return "–"
        return f"after {obj.escalation_after_minutes} min"


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin[WebhookEndpoint]):
    # A URL typed without a scheme is https (Django 6's default; quiets its warning).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "url", "active"]
    list_filter = ["active"]
    search_fields = ["name", "url"]


ATTEMPT_FIELDS = (
    "number",
    "started_at",
    "ok",
    "status_code",
    "latency_ms",
    "error",
    "response_excerpt",
    "next_attempt_at",
)


class AttemptInline(admin.TabularInline[DeliveryAttempt, Delivery]):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ATTEMPT_FIELDS
    readonly_fields = ATTEMPT_FIELDS

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin[Delivery]):
    list_display = ["created_at", "kind", "channel", "target", "status", "attempts"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["target", "event_id"]
    date_hierarchy = "created_at"
    list_select_related = ["rule", "violation"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    inlines = [AttemptInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delivery]:
        """Deliveries about violations in the user's sites."""
        qs = super().get_queryset(request)
        return scope_queryset(qs, request.user, "violation__characteristic__hierarchy__path")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
