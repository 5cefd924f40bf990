"""The study planning form and the tablet entry form."""

from __future__ import annotations

import math
from typing import Any

from django import forms

from msa.models import GaugeStudy
from msa.study_rules import check_study


class StudyForm(forms.ModelForm[GaugeStudy]):
    """Plan a study; operators as a comma-separated list of names (their user names)."""

    operator_names = forms.CharField(
        label="Operators",
        help_text="Comma-separated; use the operators' user names so they see their run order.",
    )

    class Meta:
        model = GaugeStudy
        fields = [
            "gauge",
            "characteristic",
            "name",
            "kind",
            "method",
            "parts",
            "trials",
            "tolerance",
            "process_sigma",
            "study_multiplier",
            "alpha_to_remove",
            "reference",
            "k_percent",
            "l_multiplier",
        ]

    def clean(self) -> dict[str, Any]:
        """The shared study rules, reported on their fields."""
        data = super().clean() or {}
        names = [n.strip() for n in data.get("operator_names", "").split(",") if n.strip()]
        data["operators"] = names
        for field, message in check_study(data).items():
            target = "operator_names" if field == "operators" else field
            self.add_error(target if target in self.fields else None, message)
        return data

    def save(self, commit: bool = True) -> GaugeStudy:
        """Store the operator list from the text field."""
        self.instance.operators = self.cleaned_data["operators"]
        return super().save(commit)


def parse_reading(text: str) -> float | None:
    """A typed reading as a finite float; None for an empty cell. Raises ValueError."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("not finite")
    return value
