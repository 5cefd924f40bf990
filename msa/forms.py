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
    reference_values = forms.CharField(
        label="Reference values (linearity)",
        required=False,
        help_text="One per part, in part order, separated by spaces or semicolons.",
    )
    standard_ratings = forms.CharField(
        label="Standard ratings (attribute)",
        required=False,
        help_text="The correct rating of each part, in part order, comma-separated.",
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
        refs = data.get("reference_values", "").replace(";", " ").split()
        try:
            data["part_references"] = {str(i): float(r) for i, r in enumerate(refs, start=1)}
        except ValueError:
            self.add_error("reference_values", "Reference values must be numbers.")
            data["part_references"] = {}
        ratings = [r.strip() for r in data.get("standard_ratings", "").split(",") if r.strip()]
        data["standard"] = {str(i): r for i, r in enumerate(ratings, start=1)}
        if ratings and len(ratings) != data.get("parts"):
            self.add_error("standard_ratings", "Give one standard rating per part.")
        for field, message in check_study(data).items():
            target = {"operators": "operator_names", "part_references": "reference_values"}.get(
                field, field
            )
            self.add_error(target if target in self.fields else None, message)
        return data

    def save(self, commit: bool = True) -> GaugeStudy:
        """Store the operator list from the text field."""
        self.instance.operators = self.cleaned_data["operators"]
        self.instance.part_references = self.cleaned_data["part_references"]
        self.instance.standard = self.cleaned_data["standard"]
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
