"""Forms of the corrective-action pages: open one, move it on, filter the list."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from alerts.corrective_actions import CorrectiveAction
from alerts.models import ReasonCode

STATUS_FILTER = [
    ("", "Any status"),
    ("active", "Open or in progress"),
    *CorrectiveAction.Status.choices,
]


def active_users() -> QuerySet[Any]:
    """Who can own an action: the active users, by name."""
    return get_user_model()._default_manager.filter(is_active=True).order_by("username")


class UserChoiceField(forms.ModelChoiceField[Any]):
    """A user shown by name."""

    def label_from_instance(self, obj: Any) -> str:
        full = obj.get_full_name() if hasattr(obj, "get_full_name") else ""
        return f"{obj.get_username()} ({full})" if full else str(obj.get_username())


class ActionForm(forms.Form):
    """Open a corrective action (title, owner, due date, cause, description)."""

    title = forms.CharField(max_length=200, label="Action")
    owner = UserChoiceField(queryset=active_users())
    due_date = forms.DateField(label="Due date", widget=forms.DateInput(attrs={"type": "date"}))
    cause = forms.ModelChoiceField(
        queryset=ReasonCode.objects.filter(active=True),
        required=False,
        empty_label="Not known yet",
        label="Cause",
    )
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Description"
    )


class ActionUpdateForm(forms.Form):
    """Move an action on: status, owner, due date, cause."""

    status = forms.ChoiceField(choices=CorrectiveAction.Status.choices)
    owner = UserChoiceField(queryset=active_users())
    due_date = forms.DateField(label="Due date", widget=forms.DateInput(attrs={"type": "date"}))
    cause = forms.ModelChoiceField(
        queryset=ReasonCode.objects.filter(active=True),
        required=False,
        empty_label="Not known yet",
        label="Cause",
    )


class ActionFilterForm(forms.Form):
    """Filters of the action list."""

    status = forms.ChoiceField(choices=STATUS_FILTER, required=False)
    owner = UserChoiceField(queryset=active_users(), required=False, empty_label="Any owner")
    overdue = forms.BooleanField(required=False, label="Overdue only")
    q = forms.CharField(required=False, label="Search")
