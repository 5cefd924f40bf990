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
from spc.core import rule_presets
from spc.core.errors import InputError
from spc.core.rule_presets import normalized
from spc.core.rule_specs import (
    COUNTED,
    MAX_RUN_LENGTH,
    SECONDARY_KEY,
    SIGMA_FREE,
    default_secondary,
    ruleset_from_mapping,
    ruleset_to_mapping,
    secondary_ruleset_from_mapping,
    spec_from_entry,
)
from spc.core.subgroup import check_min_measurements
from spc.core.types import ChartType, RuleId
from spc.limit_settings import width_change_error
from spc.models import NELSON_DEFAULT_RULES, Characteristic
from spc.pipeline.limit_changes import LIMIT_COLUMNS

#: Each rule by its pattern, with Nelson's parameters (a blank parameter means Nelson's), so
#: a title never contradicts the length, count or σ configured beside it.
RULE_TITLES = {
    1: "1 · a point beyond the limits (Nelson: 3σ)",
    2: "2 · a run on one side of the centre (Nelson: 9)",
    3: "3 · a run rising or falling (Nelson: 6)",
    4: "4 · a run alternating up and down (Nelson: 14)",
    5: "5 · points far out, same side (Nelson: 2 of 3 beyond 2σ)",
    6: "6 · points out, same side (Nelson: 4 of 5 beyond 1σ)",
    7: "7 · a run close to the centre (Nelson: 15 within 1σ)",
    8: "8 · a run away from the centre, either side (Nelson: 8 beyond 1σ)",
}
#: The presets' primary rules by key (the latest version), for the select and the JS.
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    key: normalized(preset.rules) for key, preset in rule_presets.LATEST.items()
}
#: Rules with a run length to set; rule 1 (one point beyond 3σ) has none.
LENGTH_RULES = range(2, 9)
#: Rules with a count ("k of n"): 5 and 6; every other rule counts its whole run.
COUNT_RULES = tuple(sorted(int(r) for r in COUNTED))
#: Rules that read a sigma multiple: 1, 5, 6, 7, 8.
SIGMA_RULES = tuple(i for i in range(1, 9) if RuleId(i) not in SIGMA_FREE)
PARAMETERS = ("length", "count", "sigma")


def _row(i: int) -> tuple[str, ...]:
    names = [f"rule_{i}_enabled", f"rule_{i}_severity"]
    names += [f"rule_{i}_length"] if i in LENGTH_RULES else []
    names += [f"rule_{i}_count"] if i in COUNT_RULES else []
    names += [f"rule_{i}_sigma"] if i in SIGMA_RULES else []
    return (*names, f"rule_{i}_secondary", f"rule_{i}_secondary_severity")


RULE_ROWS = [_row(i) for i in range(1, 9)]


class CharacteristicAdminForm(forms.ModelForm[Characteristic]):
    """Edits the per-rule switches, severities and parameters (length, count, sigma), and
    which rules also judge the R/S/MR pane, as form fields.

    The chosen preset, when set, replaces the primary grid and is remembered as
    ``rule_preset`` ("AIAG@1"); otherwise the grid is written back to ``rules`` (only the
    parameters that differ from Nelson's), and ``rule_preset`` is cleared unless the grid
    still equals that preset. Each rule is checked by the rule engine's own ``check_spec``;
    its message is shown on the parameter it names. A blank parameter is Nelson's value.
    """

    rule_preset = forms.ChoiceField(
        required=False,
        choices=[("", "— keep the grid below —")]
        + [(key, f"{p.name} ({p.ident})") for key, p in rule_presets.LATEST.items()],
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
        # ``rules`` is edited through the grid fields, ``rule_preset`` follows from them
        exclude = ["rules", "rule_preset"]  # noqa: DJ006

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rules = self.instance.rules if self.instance.pk else NELSON_DEFAULT_RULES
        self.original_rules: dict[str, Any] = dict(rules or {})
        self.signed: tuple[str, Signature | None] = ("", None)
        try:
            secondary = _secondary_specs(rules or {})
        except ValueError:
            secondary = {}
        for i in range(1, 9):
            spec = rules.get(str(i)) if isinstance(rules, dict) else None
            on = isinstance(spec, dict) and spec.get("enabled", True) is not False
            self.fields[f"rule_{i}_enabled"].initial = on
            default = NELSON_DEFAULT_RULES[str(i)]["severity"]
            self.fields[f"rule_{i}_severity"].initial = (spec or {}).get("severity", default)
            for name in PARAMETERS:
                if f"rule_{i}_{name}" in self.fields:
                    self.fields[f"rule_{i}_{name}"].initial = (spec or {}).get(name)
            self.fields[f"rule_{i}_secondary"].initial = i in secondary
            self.fields[f"rule_{i}_secondary_severity"].initial = secondary.get(i, "CRITICAL")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._check_min_measurements(cleaned)
        self._check_width(cleaned)
        preset = cleaned.get("rule_preset")
        rules: dict[str, Any] = {}
        entries = self._grid_entries(cleaned)
        if preset:
            chosen = rule_presets.get(preset)
            rules = chosen.mapping()
            self.instance.rule_preset = chosen.ident
        else:
            for i, entry in entries.items():
                if cleaned.get(f"rule_{i}_enabled") and self._checked(i, entry):
                    rules[str(i)] = entry
        secondary = {
            str(i): {**entry, "severity": cleaned.get(f"rule_{i}_secondary_severity")}
            for i, entry in entries.items()
            if cleaned.get(f"rule_{i}_secondary") and self._checked(i, entry)
        }
        if self.errors:
            return cleaned
        rules = normalized(rules)
        if secondary_mapping(normalized(secondary)) != _default_secondary_mapping(rules):
            rules[SECONDARY_KEY] = normalized(secondary)
        if not preset and self.instance.rule_preset:
            try:
                kept = rule_presets.same_rules(rules, rule_presets.get(self.instance.rule_preset))
            except KeyError:
                kept = False
            if not kept:
                self.instance.rule_preset = ""
        if _comparable(rules) == _comparable(self.original_rules):
            rules = self.original_rules  # unchanged: keep the stored JSON as it was
        self.instance.rules = rules
        self._check_signature(cleaned)
        return cleaned

    def _grid_entries(self, cleaned: dict[str, Any]) -> dict[int, dict[str, Any]]:
        """Each rule's row as a rules-JSON entry (severity and the parameters typed in)."""
        entries: dict[int, dict[str, Any]] = {}
        for i in range(1, 9):
            entry: dict[str, Any] = {"severity": cleaned.get(f"rule_{i}_severity")}
            for name in PARAMETERS:
                value = cleaned.get(f"rule_{i}_{name}")
                if value is not None:
                    entry[name] = float(value) if name == "sigma" else value
            entries[i] = entry
        return entries

    def _checked(self, i: int, entry: dict[str, Any]) -> bool:
        """Check one rule with the engine's ``check_spec``; its message goes on the
        parameter it names, preferring one typed in (else on the rule's switch)."""
        try:
            spec_from_entry(str(i), entry)
        except ValueError as exc:
            message = str(exc)
            named = [n for n in PARAMETERS if n in message and f"rule_{i}_{n}" in self.fields]
            typed = [n for n in named if n in entry] or named  # the one typed in, first
            field = f"rule_{i}_{typed[0]}" if typed else f"rule_{i}_enabled"
            if field not in self.errors:
                self.add_error(field, message)
            return False
        return True

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


def secondary_mapping(entries: dict[str, Any]) -> dict[str, Any]:
    """The secondary pane's rules as stored (normalized), for comparison."""
    return normalized(entries)


def _default_secondary_mapping(primary: dict[str, Any]) -> dict[str, Any]:
    """What the secondary pane judges when the rules say nothing of it (rule 1 only)."""
    return ruleset_to_mapping(default_secondary(ruleset_from_mapping(primary)))


def _secondary_specs(rules: dict[str, Any]) -> dict[int, str]:
    """Rule number -> severity of the rules judged on the secondary pane now."""
    configured = secondary_ruleset_from_mapping(rules)
    ruleset = (
        configured if configured is not None else default_secondary(ruleset_from_mapping(rules))
    )
    return {int(spec.rule): spec.severity.value for spec in ruleset.specs}


def _comparable(rules: Any) -> Any:
    """Rules as the engine reads them (primary and secondary), or the raw value."""
    try:
        return (normalized(rules), _secondary_specs(rules), secondary_ruleset_from_mapping(rules))
    except (ValueError, TypeError, AttributeError):
        return rules


def _add_rule_grid_fields(form_class: type[forms.ModelForm[Characteristic]]) -> None:
    """Declare the rule-grid fields on the form class, so the admin accepts them: per
    rule its switch, severity, parameters (blank: Nelson's) and the R/S/MR pane switch."""
    for i in range(1, 9):
        grid: dict[str, forms.Field] = {
            f"rule_{i}_enabled": forms.BooleanField(required=False, label=RULE_TITLES[i]),
            f"rule_{i}_severity": forms.ChoiceField(choices=SEVERITY_CHOICES, label="severity"),
        }
        if i in LENGTH_RULES:
            grid[f"rule_{i}_length"] = forms.IntegerField(
                required=False,
                max_value=MAX_RUN_LENGTH,
                label="run length",
            )
        if i in COUNT_RULES:
            grid[f"rule_{i}_count"] = forms.IntegerField(required=False, label="count")
        if i in SIGMA_RULES:
            grid[f"rule_{i}_sigma"] = forms.DecimalField(
                required=False,
                max_digits=4,
                decimal_places=2,
                label="σ",
            )
        grid[f"rule_{i}_secondary"] = forms.BooleanField(required=False, label="on R/S/MR")
        grid[f"rule_{i}_secondary_severity"] = forms.ChoiceField(
            choices=SEVERITY_CHOICES, label="R/S/MR severity", initial="CRITICAL"
        )
        form_class.base_fields.update(grid)
        form_class.declared_fields.update(grid)


_add_rule_grid_fields(CharacteristicAdminForm)
