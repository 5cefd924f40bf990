"""The characteristic admin form: a grid of rule switches over the ``rules`` JSON field."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from audit.signatures import (
    LIMIT_CHANGE,
    RULE_AND_LIMIT_CHANGE,
    RULE_CHANGE,
    ChangeRefused,
    Signature,
    require_reason,
    sign,
)
from spc.choices import SEVERITY_CHOICES
from spc.core.errors import InputError
from spc.core.rules import ruleset_from_mapping
from spc.core.subgroup import check_min_measurements
from spc.core.types import ChartType
from spc.limit_settings import width_change_error
from spc.models import NELSON_DEFAULT_RULES, Characteristic
from spc.pipeline.limit_changes import LIMIT_COLUMNS

RULE_TITLES = {
    1: "1 · one point beyond 3σ",
    2: "2 · run on one side of the centre",
    3: "3 · six in a row rising or falling",
    4: "4 · fourteen alternating up and down",
    5: "5 · two of three beyond 2σ, same side",
    6: "6 · four of five beyond 1σ, same side",
    7: "7 · fifteen in a row within 1σ",
    8: "8 · eight in a row beyond 1σ, either side",
}
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "NELSON": NELSON_DEFAULT_RULES,
    "WESTERN_ELECTRIC": {
        "1": {"severity": "CRITICAL"},
        "2": {"severity": "WARNING", "length": 8},
        "5": {"severity": "WARNING"},
        "6": {"severity": "WARNING"},
    },
}
#: Rules with a run length to set; rule 1 (one point beyond 3σ) has none.
LENGTH_RULES = range(2, 9)
RULE_ROWS = [("rule_1_enabled", "rule_1_severity")] + [
    (f"rule_{i}_enabled", f"rule_{i}_severity", f"rule_{i}_length") for i in LENGTH_RULES
]


class CharacteristicAdminForm(forms.ModelForm[Characteristic]):
    """Edits the per-rule switches, severities and run lengths as form fields.

    The chosen preset, when set, replaces the grid; otherwise the grid is written back to
    ``rules`` as ``{"<rule>": {"severity": ..., "length": ...}}`` for the enabled rules.
    """

    rule_preset = forms.ChoiceField(
        required=False,
        choices=[
            ("", "— keep the grid below —"),
            ("NELSON", "Nelson (all eight rules)"),
            ("WESTERN_ELECTRIC", "Western Electric (rules 1, 5, 6 and 8-in-a-row)"),
        ],
        help_text="Choosing a preset sets the switches below to it; Save stores them.",
        # static/js/admin_rule_presets.js reads the presets to update the grid at once
        widget=forms.Select(attrs={"data-presets": json.dumps(PRESETS, sort_keys=True)}),
    )

    change_reason = forms.CharField(
        required=False,
        label="Reason for the change",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when the run rules or the control limits change.",
    )
    signature_password = forms.CharField(
        required=False,
        label="Your password (signature)",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Rule and limit changes are signed electronically: re-enter your password.",
    )
    #: The signing user; the admin sets it on the form class per request (``get_form``).
    signer: Any = None

    class Meta:
        model = Characteristic
        exclude = ["rules"]  # noqa: DJ006 - ``rules`` is edited through the grid fields

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rules = self.instance.rules if self.instance.pk else NELSON_DEFAULT_RULES
        self.original_rules: dict[str, Any] = dict(rules)
        self.signed: tuple[str, Signature | None] = ("", None)
        for i in range(1, 9):
            spec = rules.get(str(i))
            self.fields[f"rule_{i}_enabled"].initial = spec is not None
            self.fields[f"rule_{i}_severity"].initial = (spec or NELSON_DEFAULT_RULES[str(i)])[
                "severity"
            ]
            if i in LENGTH_RULES:
                self.fields[f"rule_{i}_length"].initial = (spec or {}).get("length")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._check_min_measurements(cleaned)
        self._check_width(cleaned)
        preset = cleaned.get("rule_preset")
        if preset:
            self.instance.rules = {key: dict(value) for key, value in PRESETS[preset].items()}
            self._check_signature(cleaned)
            return cleaned
        rules: dict[str, dict[str, Any]] = {}
        for i in range(1, 9):
            if cleaned.get(f"rule_{i}_enabled"):
                spec: dict[str, Any] = {"severity": cleaned.get(f"rule_{i}_severity")}
                if cleaned.get(f"rule_{i}_length"):
                    spec["length"] = cleaned[f"rule_{i}_length"]
                rules[str(i)] = spec
        try:
            ruleset_from_mapping(rules)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        self.instance.rules = rules
        self._check_signature(cleaned)
        return cleaned

    @property
    def limits_changed(self) -> bool:
        """True when a control-limit column was edited."""
        return bool(set(self.changed_data) & set(LIMIT_COLUMNS))

    def _check_signature(self, cleaned: dict[str, Any]) -> None:
        """A change of the run rules or limits of a stored characteristic needs a reason and
        the editor's password (``audit.signatures``); kept in ``signed`` for the save."""
        rules_changed = self.instance.rules != self.original_rules
        if not self.instance.pk or not (rules_changed or self.limits_changed):
            return
        meaning = (
            RULE_AND_LIMIT_CHANGE
            if rules_changed and self.limits_changed
            else RULE_CHANGE
            if rules_changed
            else LIMIT_CHANGE
        )
        try:
            reason = require_reason(cleaned.get("change_reason"), "change_reason")
            self.signed = (reason, sign(self.signer, cleaned.get("signature_password"), meaning))
        except ChangeRefused as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)

    def _check_width(self, cleaned: dict[str, Any]) -> None:
        """Montgomery's method needs X-bar S; the width of limits in force changes only
        with a recalculation or new manual limits (``spc.limit_settings``)."""
        edited = {name: cleaned.get(name) for name in self.changed_data if name in cleaned}
        # clean() runs before the ModelForm copies the edits into the instance.
        original = self.instance if self.instance.pk else None
        refused = width_change_error(original, edited, cleaned.get("chart_type"))
        if refused is not None and refused.field in self.fields:
            self.add_error(refused.field, refused.message)

    def _check_min_measurements(self, cleaned: dict[str, Any]) -> None:
        """X-bar R and X-bar S need min_measurements >= 2 (checked when the chart type or
        the minimum is set or changed, so an older row stays editable otherwise)."""
        touched = not self.instance.pk or {"chart_type", "min_measurements"} & set(
            self.changed_data
        )
        chart, minimum = cleaned.get("chart_type"), cleaned.get("min_measurements")
        if not touched or chart not in set(ChartType) or minimum is None:
            return
        try:
            check_min_measurements(ChartType(chart), minimum)
        except InputError as exc:
            self.add_error("min_measurements", exc.message)


def _add_rule_grid_fields(form_class: type[forms.ModelForm[Characteristic]]) -> None:
    """Declare the 8 x 3 rule-grid fields on the form class, so the admin accepts them."""
    for i in range(1, 9):
        grid: dict[str, forms.Field] = {
            f"rule_{i}_enabled": forms.BooleanField(required=False, label=RULE_TITLES[i]),
            f"rule_{i}_severity": forms.ChoiceField(choices=SEVERITY_CHOICES, label="severity"),
        }
        if i in LENGTH_RULES:
            grid[f"rule_{i}_length"] = forms.IntegerField(
                required=False,
                min_value=2,
                max_value=50,
                label="run length",
                help_text="blank: the Nelson default",
            )
        form_class.base_fields.update(grid)
        form_class.declared_fields.update(grid)


_add_rule_grid_fields(CharacteristicAdminForm)
