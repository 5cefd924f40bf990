"""Forms of the report pages: a period, a part of the plant, what to export and how."""

from __future__ import annotations

from typing import Any

from django import forms

from hierarchy.models import Node
from spc.reports.capability_nonnormal import DISTRIBUTION_CHOICES
from spc.reports.scope import ReportScope, scope_from_params

KIND_CHOICES = [
    ("measurements", "Samples, one row per measurement"),
    ("subgroups", "Samples, one row per subgroup"),
    ("violations", "Violations with acknowledgements"),
    ("capability", "Capability summary per characteristic"),
    ("annotations", "Chart annotations (tool changes, lots, calibrations)"),
    ("corrections", "Signed sample corrections (before, after, reason)"),
    ("report", "Full report (XLSX: capability, violations, subgroups; PDF: printable)"),
]
FORMAT_CHOICES = [("csv", "CSV"), ("xlsx", "Excel (XLSX)"), ("pdf", "PDF")]


class PeriodForm(forms.Form):
    """An optional start and end date (both days included)."""

    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        """Reject a start after the end."""
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("The start must be on or before the end.")
        return data

    def scope_params(self) -> dict[str, Any]:
        """The cleaned values as report-scope parameters (ids and ISO dates)."""
        data = self.cleaned_data
        node = data.get("node")
        return {
            "node": node.pk if node is not None else None,
            "start": data["start"].isoformat() if data.get("start") else None,
            "end": data["end"].isoformat() if data.get("end") else None,
        }

    def scope(self) -> ReportScope:
        """The report scope the form describes (call after ``is_valid()``)."""
        return scope_from_params(self.scope_params())


class CapabilityForm(PeriodForm):
    """A period plus the distribution of the capability study and a Box-Cox λ."""

    distribution = forms.ChoiceField(
        choices=DISTRIBUTION_CHOICES, required=False, label="Distribution"
    )

    def clean(self) -> dict[str, Any]:
        """λ only with the Box-Cox transformation or the best fit."""
        data = super().clean()
        lam = data.get("lambda")
        if lam is not None and data.get("distribution") not in ("boxcox", "auto"):
            self.add_error("lambda", "λ applies to the Box-Cox transformation.")
        return data


CapabilityForm.base_fields["lambda"] = forms.FloatField(  # "lambda" is a Python keyword
    required=False,
    min_value=-5,
    max_value=5,
    label="Box-Cox λ",
    widget=forms.NumberInput(attrs={"step": "0.5", "placeholder": "optimal"}),
)


class ScopeForm(PeriodForm):
    """A period and a part of the plant (a node and everything below it)."""

    node = forms.ModelChoiceField(
        Node.objects.in_tree_order(), required=False, empty_label="Whole plant"
    )
    field_order = ["node", "start", "end"]


class ExportForm(ScopeForm):
    """A scope plus which table and which file format."""

    kind = forms.ChoiceField(choices=KIND_CHOICES, initial="measurements")
    format = forms.ChoiceField(choices=FORMAT_CHOICES, initial="csv")

    def clean(self) -> dict[str, Any]:
        """CSV holds one table; PDF is always the full report."""
        data = super().clean()
        if data.get("format") == "csv" and data.get("kind") == "report":
            self.add_error("kind", "A CSV file holds one table: choose which.")
        return data
