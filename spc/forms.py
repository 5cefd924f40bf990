"""Forms of the operator pages: time range, sample entry, exclusion, acknowledgement, filters.

Numeric validity (finite numbers, sizes) is checked by the pipeline's core validation; the
entry form only turns what a gloved thumb typed into numbers (a decimal comma is accepted).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alerts.models import ReasonCode
from audit.trail import current_user
from hierarchy.scoping import scope_queryset
from openspc.api_filters import UTCDateTimeField
from spc.core.errors import InputError
from spc.core.plausibility import ValueLabel, check_plausible, outside_spec
from spc.core.types import SECONDARY_BEYOND_LIMITS, ChartType
from spc.models import Characteristic
from spc.pipeline import parts

RANGES = {
    "latest": None,
    "8h": timedelta(hours=8),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
RANGE_CHOICES = [
    ("latest", "Newest points"),
    ("8h", "Last 8 hours"),
    ("24h", "Last 24 hours"),
    ("7d", "Last 7 days"),
    ("30d", "Last 30 days"),
    ("custom", "From … to …"),
]
POINT_CHOICES = [(n, f"last {n}") for n in (25, 50, 100, 500, 1000, 2000)]
DEFAULT_POINTS = 100
AXIS_CHOICES = [("sequence", "by sample order"), ("time", "by time")]


def parse_number(text: str, decimal_separator: str | None = None) -> float:
    """A number as typed on a tablet: spaces, and a decimal comma or point, are fine.

    With only one of ``,`` and ``.`` in the text, it is the decimal separator (an operator
    types ``74,012`` or ``74.012`` for the same value, whatever the page's language). With
    both, the page language's separator (``decimal_separator``, default: the active
    locale's) is the decimal one and the other groups thousands: ``1.234,5`` in German,
    ``1,234.5`` in English.
    """
    cleaned = "".join(text.split()).replace("\u202f", "").replace("'", "")
    if "," in cleaned and "." in cleaned:
        decimal = decimal_separator or str(get_format("DECIMAL_SEPARATOR"))
        grouping = "." if decimal == "," else ","
        if cleaned.rfind(grouping) > cleaned.find(decimal):
            raise ValueError("grouping after the decimal separator")
        cleaned = cleaned.replace(grouping, "")
    value = float(cleaned.replace(",", "."))
    if not math.isfinite(value):
        raise ValueError("not finite")
    return value


def error_messages(form: forms.Form) -> list[str]:
    """Every error of a bound form as "Label: message" lines."""
    lines = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = " ".join(str(e) for e in errors)
        lines.append(f"{label}: {text}" if label else text)
    return lines


class TimeRangeForm(forms.Form):
    """The chart's time range: a preset, or a custom from/to; at most ``points`` points."""

    range = forms.ChoiceField(choices=RANGE_CHOICES, required=False, initial="latest")
    start = UTCDateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    end = UTCDateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    points = forms.TypedChoiceField(
        choices=POINT_CHOICES, coerce=int, required=False, initial=DEFAULT_POINTS, empty_value=None
    )
    axis = forms.ChoiceField(choices=AXIS_CHOICES, required=False, initial="sequence")

    def bounds(self, now: datetime | None = None) -> tuple[datetime | None, datetime | None, int]:
        """(start, end, limit) for ``chart_data``; invalid input falls back to the newest."""
        if not self.is_valid():
            return None, None, DEFAULT_POINTS
        now = now or timezone.now()
        data = self.cleaned_data
        limit = data.get("points") or DEFAULT_POINTS
        choice = data.get("range") or "latest"
        if choice == "custom":
            return data.get("start"), data.get("end"), limit
        span = RANGES.get(choice)
        return (now - span if span else None), None, limit

    def x_axis(self) -> str:
        """The x axis: "sequence" (points equally spaced by order, the default) or "time"."""
        if not self.is_valid():
            return "sequence"
        return self.cleaned_data.get("axis") or "sequence"

    def is_live(self) -> bool:
        """Live appends make sense only when the range reaches the present."""
        if not self.is_valid():
            return True
        data = self.cleaned_data
        return not (data.get("range") == "custom" and data.get("end"))


TEXT_FIELDS = ("operator", "batch_number", "part_number", "confirm_out_of_spec")
"""Entry fields that are not numbers."""


class SampleEntryForm(forms.Form):
    """One subgroup: ``subgroup_size`` measurement inputs, or count and size for attributes.

    Fields ``m0`` … ``m{n-1}``; the first ``min_measurements`` are required.
    """

    operator = forms.CharField(max_length=120, required=False)
    batch_number = forms.CharField(max_length=120, required=False, label=gettext_lazy("Batch"))
    part_number = forms.CharField(max_length=60, required=False, label=gettext_lazy("Part number"))
    confirm_out_of_spec = forms.BooleanField(
        required=False,
        label=gettext_lazy("I checked the part and the gauge: store the out-of-spec value"),
    )

    def __init__(self, *args: Any, characteristic: Characteristic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.characteristic = characteristic
        chart = ChartType(characteristic.chart_type)
        self.is_attribute = chart.is_attribute
        if self.is_attribute:
            label = _("Defectives") if chart.base in (ChartType.P, ChartType.NP) else _("Defects")
            self.fields["count"] = self._number_field(label, required=True)
            if chart is not ChartType.C:
                self.fields["sample_size"] = self._number_field(_("Sample size"), required=True)
        else:
            for i in range(characteristic.subgroup_size):
                required = i < characteristic.min_measurements
                self.fields[f"m{i}"] = self._number_field(
                    _("Value %(n)s") % {"n": i + 1}, required, i
                )
        self.measurement_fields()[0].field.widget.attrs["autofocus"] = ""
        # Short-run charts (DNOM, Z-MR): the part number picks the target; it is required
        # and offered from the characteristic's part table.
        self.is_short_run = parts.is_short_run(characteristic.chart_type)
        self.part_table: parts.PartTable = {}
        if self.is_short_run:
            self.part_table = parts.tables([characteristic.pk]).get(characteristic.pk, {})
            self.fields["part_number"].required = True

    def part_choices(self) -> list[str]:
        """The part numbers of the characteristic's part table (short-run charts)."""
        return sorted(self.part_table)

    @staticmethod
    def _number_field(label: str, required: bool, position: int | None = None) -> forms.Field:
        attrs = {
            "inputmode": "decimal",
            "autocomplete": "off",
            "class": "big-input",
            "enterkeyhint": "next",
        }
        if position is None:
            attrs["data-count"] = ""
        else:
            attrs["data-measurement"] = str(position)
        return forms.CharField(
            label=label, required=required, widget=forms.TextInput(attrs=attrs), max_length=40
        )

    def measurement_fields(self) -> list[forms.BoundField]:
        """The value inputs in order (measurements or count/size)."""
        names = (
            ["count", "sample_size"]
            if self.is_attribute
            else [f"m{i}" for i in range(self.characteristic.subgroup_size)]
        )
        return [self[name] for name in names if name in self.fields]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, value in list(data.items()):
            if name in TEXT_FIELDS or value in (None, ""):
                continue
            try:
                data[name] = parse_number(value)
            except ValueError:
                self.add_error(name, _("“%(value)s” is not a number.") % {"value": value})
        if self.is_short_run and data.get("part_number"):
            try:
                parts.standard_for(self.characteristic, data["part_number"], self.part_table)
            except InputError as exc:
                self.add_error("part_number", exc.message)
        if not self.is_attribute and not self.errors:
            self._check_data_quality(data)
        return data

    def _check_data_quality(self, data: dict[str, Any]) -> None:
        """Implausible values are errors on their field (the pipeline refuses them too); a
        value outside the spec needs ``confirm_out_of_spec`` (recorded on the sample)."""
        char = self.characteristic
        label = ValueLabel(char.name, char.unit, char.decimal_places)
        values = {n: v for n, v in data.items() if n.startswith("m") and isinstance(v, float)}
        for name, value in values.items():
            try:
                check_plausible((value,), char.plausible_low, char.plausible_high, label)
            except InputError as exc:
                self.add_error(name, exc.message)
        if self.errors or data.get("confirm_out_of_spec"):
            return
        if outside_spec(values.values(), char.lsl, char.usl):
            self.add_error(
                "confirm_out_of_spec",
                _("A value is outside the specification: confirm that it is real to store it."),
            )

    def measurements(self) -> tuple[float, ...]:
        """The typed measurements in input order, blanks skipped (call after is_valid)."""
        values = (self.cleaned_data.get(f"m{i}") for i in range(self.characteristic.subgroup_size))
        return tuple(v for v in values if isinstance(v, float))

    def typed_values(self) -> list[tuple[int, float]]:
        """(position, value) of every measurement that parses, for the spec check."""
        out = []
        for i in range(self.characteristic.subgroup_size):
            raw = self.data.get(f"m{i}", "")
            try:
                out.append((i, parse_number(raw)))
            except ValueError:
                continue
        return out


class ExclusionForm(forms.Form):
    """Exclude a sample (with a reason) or include it again."""

    excluded = forms.TypedChoiceField(
        choices=[("true", "exclude"), ("false", "include")], coerce=lambda v: v == "true"
    )
    reason = forms.CharField(max_length=255, required=False)
    signature_password = forms.CharField(required=False, widget=forms.PasswordInput)


class AcknowledgeForm(forms.Form):
    """Acknowledge one or many violations with a reason code and an optional comment."""

    violation_ids = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    reason_code = forms.ModelChoiceField(
        queryset=ReasonCode.objects.filter(active=True),
        to_field_name="code",
        label="Reason",
        error_messages={
            "required": "Choose a reason.",
            "invalid_choice": "Choose a reason from the list.",
        },
    )
    comment = forms.CharField(widget=forms.Textarea, required=False, max_length=2000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["violation_ids"]
        # Ids are checked by alerts.services.acknowledge; any integer is a valid choice here.
        field.valid_value = lambda value: str(value).isdigit()  # type: ignore[attr-defined]
        field.label = "Violations"
        field.error_messages["required"] = "Select at least one violation."


STATUS_CHOICES = [
    ("open", "Open"),
    ("acknowledged", "Acknowledged"),
    ("informational", "Informational (no acknowledgement)"),
    ("all", "All"),
]
SEVERITY_FILTER = [
    ("", "Any severity"),
    ("CRITICAL", "Critical"),
    ("WARNING", "Warning"),
    ("INFORMATIONAL", "Informational"),
]
RULE_FILTER = [("", "Any rule")] + [(str(i), f"Rule {i}") for i in range(1, 9)]
RULE_FILTER.append((str(SECONDARY_BEYOND_LIMITS), "R/S/MR beyond its limits"))
RULE_FILTER += [(str(SECONDARY_BEYOND_LIMITS + i), f"R/S/MR rule {i + 1}") for i in range(1, 8)]


class CharacteristicChoiceField(forms.ModelChoiceField[Characteristic]):
    """A characteristic named with its place ("Shaft OD · CNC-1"): names repeat on lines."""

    def label_from_instance(self, obj: Characteristic) -> str:
        """The name and the node it belongs to."""
        return f"{obj.name} · {obj.hierarchy.name}"


class ViolationFilterForm(forms.Form):
    """Filters of the violation list page. The characteristic choices are those ``user``
    may see (by default the request's acting user; none without one), in tree order."""

    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False, initial="open")
    characteristic = CharacteristicChoiceField(
        queryset=Characteristic.objects.none(), required=False, empty_label="Any characteristic"
    )
    rule = forms.TypedChoiceField(choices=RULE_FILTER, coerce=int, required=False, empty_value=None)
    severity = forms.ChoiceField(choices=SEVERITY_FILTER, required=False)
    start = UTCDateTimeField(
        required=False, label="From", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    end = UTCDateTimeField(
        required=False, label="To", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = user if user is not None else current_user()
        field = cast(CharacteristicChoiceField, self.fields["characteristic"])
        chars = Characteristic.objects.select_related("hierarchy")
        field.queryset = (
            scope_queryset(chars, user).order_by("hierarchy__tree_key", "name", "pk")
            if user is not None
            else chars.none()
        )
