"""Forms of the annotation and correction pages (issue 23)."""

from __future__ import annotations

from typing import Any

from django import forms

from openspc.api_filters import UTCDateTimeField
from spc.quality_records import TEXT_MAX, Annotation


class AnnotationForm(forms.Form):
    """A note on one point (sample number) or on a time range."""

    kind = forms.ChoiceField(choices=Annotation.Kind.choices, initial=Annotation.Kind.OTHER)
    text = forms.CharField(max_length=TEXT_MAX, label="Note")
    sample = forms.IntegerField(
        required=False, min_value=1, label="Sample #", help_text="A point; or a range below."
    )
    start = UTCDateTimeField(
        required=False, label="From", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    end = UTCDateTimeField(
        required=False, label="To", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "The end must not be before the start.")
        if not cleaned.get("sample") and not start and "start" not in self.errors:
            self.add_error("sample", "Choose a point (sample #) or the start of a range.")
        return cleaned


class CorrectionForm(forms.Form):
    """A signed correction: new measurements (variables) or count (attributes)."""

    measurements = forms.CharField(
        required=False,
        label="Corrected measurements",
        help_text="One value per measurement, separated by spaces or semicolons.",
    )
    count = forms.FloatField(required=False, label="Corrected count")
    sample_size = forms.FloatField(required=False, label="Sample size")
    reason = forms.CharField(
        required=False, label="Reason for the correction", widget=forms.Textarea(attrs={"rows": 2})
    )
    signature_password = forms.CharField(
        required=False,
        strip=False,
        label="Your password (electronic signature)",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_measurements(self) -> list[float] | None:
        text = (self.cleaned_data.get("measurements") or "").replace(";", " ").replace(",", " ")
        if not text.strip():
            return None
        try:
            return [float(part) for part in text.split()]
        except ValueError as exc:
            raise forms.ValidationError("Numbers only, e.g. 10.02 10.05.") from exc
