"""Admin of corrective actions and of which violations need one (issue 23).

Actions are audited on every save (``AUDIT_CONFIG_MODELS``); none is deleted here. The
form checks a due date like the pages and the API do (not in the past when set or moved).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from alerts import capa
from alerts.corrective_actions import CorrectiveAction, CorrectiveActionRequirement
from hierarchy.scoping import ScopedAdminMixin
from spc.core.errors import InputError


class CorrectiveActionForm(forms.ModelForm[CorrectiveAction]):
    """The admin form: a due date set or moved must not be in the past."""

    class Meta:
        model = CorrectiveAction
        fields = ["title", "description", "cause", "owner", "due_date", "status"]

    def clean_due_date(self) -> Any:
        due = self.cleaned_data.get("due_date")
        if "due_date" in self.changed_data:
            try:
                capa.check_due_date(due)
            except InputError as exc:
                raise forms.ValidationError(exc.message) from exc
        return due


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(ScopedAdminMixin, admin.ModelAdmin[CorrectiveAction]):
    """Corrective actions; opened from a violation's page, moved on here or there."""

    form = CorrectiveActionForm
    list_display = ["__str__", "characteristic", "owner", "due_date", "status", "cause"]
    list_filter = ["status", "cause", "due_date"]
    search_fields = ["title", "description", "characteristic__name"]
    list_select_related = ["characteristic", "owner", "cause"]
    readonly_fields = ["violation", "characteristic", "episode", "created_by", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # opened from a violation (page or API), which sets the episode

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a quality record: closed, never deleted

    def save_model(
        self, request: HttpRequest, obj: CorrectiveAction, form: Any, change: bool
    ) -> None:
        """Closing stamps the time; the save is audited with old and new values."""
        if obj.status == CorrectiveAction.Status.CLOSED and obj.closed_at is None:
            obj.closed_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(CorrectiveActionRequirement)
class CorrectiveActionRequirementAdmin(admin.ModelAdmin[CorrectiveActionRequirement]):
    """Which violations need a corrective action before they can be acknowledged."""

    list_display = ["__str__", "rule", "severity", "characteristic", "active"]
    list_filter = ["severity", "active"]
    autocomplete_fields = ["characteristic"]
