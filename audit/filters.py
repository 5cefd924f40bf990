"""Filters of the audit-trail page: user, action, model, date range and free text."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.models import AuditEntry


class AuditFilterForm(forms.Form):
    """GET filters of ``/audit/``; every field is optional."""

    user = forms.CharField(required=False, max_length=150, label="User")
    action = forms.ChoiceField(
        required=False, choices=[("", "Any"), *AuditEntry.Action.choices], label="Action"
    )
    model = forms.ChoiceField(required=False, choices=[("", "Any")], label="Model")
    start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(required=False, max_length=200, label="Text")

    def __init__(self, *args: Any, models: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = models or []
        self.fields["model"].choices = [("", "Any"), *((m, m) for m in names)]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        """The range runs forwards."""
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "The end is before the start.")
        return data


def _midnight(day: date) -> datetime:
    """Start of ``day`` in the current time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def filter_entries(qs: QuerySet[AuditEntry], data: dict[str, Any]) -> QuerySet[AuditEntry]:
    """``qs`` narrowed by a valid form's ``cleaned_data``; both dates are inclusive days."""
    if data.get("user"):
        qs = qs.filter(username__iexact=data["user"])
    if data.get("action"):
        qs = qs.filter(action=data["action"])
    if data.get("model"):
        qs = qs.filter(object_type=data["model"])
    if data.get("start"):
        qs = qs.filter(time__gte=_midnight(data["start"]))
    if data.get("end"):
        qs = qs.filter(time__lt=_midnight(data["end"] + timedelta(days=1)))
    if data.get("q"):
        text = data["q"]
        qs = qs.filter(
            Q(object_repr__icontains=text)
            | Q(reason__icontains=text)
            | Q(object_id=text)
            | Q(username__icontains=text)
        )
    return qs
