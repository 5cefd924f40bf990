"""The upload form and the mapping form (its choices are the file's column names)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from spc.core.errors import InputError

COLUMN_CHOICE_FIELDS = (
    ("characteristic_column", "Characteristic column (id, name or MQTT topic)"),
    ("value_column", "Value column (long layout: one measurement per row)"),
    ("subgroup_column", "Subgroup key column (long layout)"),
    ("count_column", "Count column (defects or defectives)"),
    ("sample_size_column", "Sample size column (items inspected)"),
    ("batch_column", "Batch column"),
    ("operator_column", "Operator column"),
    ("part_column", "Part number column (DNOM and Z-MR charts)"),
)


class UploadForm(forms.Form):
    """A CSV or XLSX file."""

    file = forms.FileField(
        help_text="CSV (any delimiter, decimal point or comma) or XLSX, header in the first row."
    )


class MappingForm(forms.Form):
    """Which column holds what; built for one file's header."""

    characteristic = forms.TypedChoiceField(
        label="Characteristic for the whole file", required=False, coerce=int, empty_value=None
    )
    timestamp_column = forms.ChoiceField(label="Time column")
    time_zone = forms.CharField(
        required=False, help_text="For times without a UTC offset, e.g. Europe/Berlin."
    )
    date_format = forms.CharField(
        required=False,
        help_text="Only if the times are not like 2026-03-01 14:05 or 01.03.2026 14:05, "
        "e.g. %m/%d/%Y %I:%M %p. Excel date cells and serial numbers need none.",
    )
    layout = forms.ChoiceField(
        choices=[
            ("wide", "Wide: one row per subgroup, a column per measurement"),
            ("long", "Long: one row per measurement, rows grouped by a subgroup key"),
        ],
        widget=forms.RadioSelect,
        initial="wide",
    )
    value_columns = forms.MultipleChoiceField(
        label="Measurement columns (wide layout)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    delimiter = forms.ChoiceField(
        required=False,
        choices=[("", "detect"), (",", ", comma"), (";", "; semicolon"), ("\t", "tab"), ("|", "|")],
    )
    decimal = forms.ChoiceField(
        label="Decimal separator",
        required=False,
        choices=[("", "detect (',' for ';' files)"), (".", ". point"), (",", ", comma")],
    )
    sheet = forms.CharField(required=False, help_text="XLSX: the sheet (default: the first).")

    def __init__(
        self, *args: Any, header: list[str], characteristics: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        columns = [(name, name) for name in header if name]
        blank = [("", "—")]
        fixed = [("", "— read it from a column —"), *characteristics]
        self.fields["characteristic"].choices = fixed  # type: ignore[attr-defined]
        self.fields["timestamp_column"].choices = columns  # type: ignore[attr-defined]
        self.fields["value_columns"].choices = columns  # type: ignore[attr-defined]
        for name, label in COLUMN_CHOICE_FIELDS:
            self.fields[name] = forms.ChoiceField(
                label=label, required=False, choices=blank + columns
            )
        self.fields["time_zone"].initial = settings.TIME_ZONE
        self.order_fields(
            [
                "characteristic",
                "characteristic_column",
                "timestamp_column",
                "time_zone",
                "date_format",
                "layout",
                "value_columns",
                *(name for name, _ in COLUMN_CHOICE_FIELDS[1:]),
            ]
        )

    def mapping_data(self) -> dict[str, Any]:
        """The cleaned values as the mapping's plain data."""
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None, [])}

    def refuse(self, exc: InputError) -> None:
        """Show a mapping refusal on its field (or the form)."""
        self.add_error(exc.field if exc.field in self.fields else None, exc.message)
