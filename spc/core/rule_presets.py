"""Published rule sets as versioned configuration: Nelson, Western Electric, AIAG, Juran
and Montgomery's sensitizing rules.

A preset is ``{key, version, name, rules, source}``: ``rules`` is the per-characteristic
``rules`` mapping it stands for (``rule_specs.ruleset_from_mapping`` reads it), ``source``
the publication the parameters come from. A characteristic remembers which preset and
version its rules were set from as ``"<KEY>@<version>"`` (``Characteristic.rule_preset``);
editing the grid by hand clears it. A preset is never changed in place: a correction is a
new version, so "AIAG@1" always means the same rules.

Every preset judges with this project's definitions (``spc.core.rules``): a trend is strictly
rising or falling (equal neighbours break it), and "beyond k sigma" is strict. Where a source
words a rule differently, the ``notes`` say so. Rules a source leaves to judgement
("an unusual or nonrandom pattern", Montgomery's rules 9 and 10) are not algorithmic and
are not part of a preset.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from spc.core.rule_specs import ruleset_from_mapping, ruleset_to_mapping

CRITICAL = {"severity": "CRITICAL"}
WARNING = {"severity": "WARNING"}


@dataclass(frozen=True, slots=True)
class RulePreset:
    """One version of a published rule set."""

    key: str
    version: int
    name: str
    rules: Mapping[str, Mapping[str, Any]]
    source: str
    notes: str = ""

    @property
    def ident(self) -> str:
        """``"<KEY>@<version>"``, what a characteristic stores in ``rule_preset``."""
        return f"{self.key}@{self.version}"

    def mapping(self) -> dict[str, dict[str, Any]]:
        """A fresh, mutable copy of the rules mapping (to store on a characteristic)."""
        return {rule: dict(entry) for rule, entry in self.rules.items()}


def _frozen(rules: dict[str, dict[str, Any]]) -> Mapping[str, Mapping[str, Any]]:
    return MappingProxyType({k: MappingProxyType(dict(v)) for k, v in rules.items()})


def _all_eight(**overrides: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Rules 1-8 with Nelson's parameters (1 CRITICAL, the others WARNING), overridden."""
    rules = {str(i): dict(CRITICAL if i == 1 else WARNING) for i in range(1, 9)}
    for key, entry in overrides.items():
        rules[key.removeprefix("r")].update(entry)
    return rules


PRESETS: tuple[RulePreset, ...] = (
    RulePreset(
        "NELSON",
        1,
        "Nelson (all eight tests)",
        _frozen(_all_eight()),
        "L. S. Nelson, 'The Shewhart Control Chart - Tests for Special Causes', Journal of "
        "Quality Technology 16(4), 1984, 237-239.",
    ),
    RulePreset(
        "WESTERN_ELECTRIC",
        1,
        "Western Electric (zone rules)",
        _frozen({"1": CRITICAL, "2": {**WARNING, "length": 8}, "5": WARNING, "6": WARNING}),
        "Western Electric Co., Statistical Quality Control Handbook, 1956, Section 1-B: one "
        "point beyond 3 sigma; 2 of 3 beyond 2 sigma; 4 of 5 beyond 1 sigma; 8 in a row on "
        "one side.",
    ),
    RulePreset(
        "AIAG",
        1,
        "AIAG SPC manual (2nd ed.)",
        _frozen(_all_eight(r2={"length": 7}, r3={"length": 7})),
        "AIAG, Statistical Process Control (SPC) Reference Manual, 2nd ed., 2005, Chapter II "
        "Section C: 1 point beyond zone A (3 sigma); runs of 7 points in a row on one side of "
        "the centre line and 7 points in a row consistently increasing or decreasing; 14 "
        "alternating up and down; 2 of 3 in zone A or beyond; 4 of 5 in zone B or beyond; "
        "15 in a row in zone C; 8 in a row on both sides with none in zone C.",
        notes="AIAG's trend counts 'equal to or greater than the preceding point'; here equal "
        "neighbours break a trend, as for every rule set.",
    ),
    RulePreset(
        "JURAN",
        1,
        "Juran's Quality Handbook",
        _frozen(_all_eight()),
        "J. M. Juran, A. B. Godfrey (eds.), Juran's Quality Handbook, 5th ed., McGraw-Hill "
        "1999, Section 45 (Statistical Process Control), tests for special causes: 1 beyond "
        "zone A; 9 in a row in zone C or beyond on one side; 6 in a row steadily increasing or "
        "decreasing; 14 alternating; 2 of 3 in zone A or beyond; 4 of 5 in zone B or beyond; "
        "15 in a row in zone C; 8 in a row with none in zone C.",
        notes="The handbook gives Nelson's eight tests with his parameters.",
    ),
    RulePreset(
        "MONTGOMERY",
        1,
        "Montgomery's sensitizing rules",
        _frozen(_all_eight(r2={"length": 8})),
        "D. C. Montgomery, Introduction to Statistical Quality Control, 7th ed., Wiley 2013, "
        "Table 5.1 (Some sensitizing rules for Shewhart control charts): 1 point outside the "
        "control limits; 2 of 3 beyond the 2-sigma warning limits; 4 of 5 beyond 1 sigma; a "
        "run of 8 on one side of the centre line; 6 in a row steadily increasing or "
        "decreasing; 15 in a row in zone C; 14 alternating up and down; 8 in a row on both "
        "sides with none in zone C.",
        notes="Rules 9 (an unusual or nonrandom pattern) and 10 (points near a warning or "
        "control limit) call for judgement and are not evaluated.",
    ),
)

_BY_IDENT: dict[str, RulePreset] = {p.ident: p for p in PRESETS}
LATEST: dict[str, RulePreset] = {}
for _preset in PRESETS:
    if _preset.key not in LATEST or _preset.version > LATEST[_preset.key].version:
        LATEST[_preset.key] = _preset


def get(name: str) -> RulePreset:
    """The preset ``"KEY@version"``, or the latest version of ``"KEY"``; ``KeyError``."""
    text = str(name).strip().upper()
    found = _BY_IDENT.get(text) if "@" in text else LATEST.get(text)
    if found is None:
        raise KeyError(f"Unknown rule preset {name!r}.")
    return found


def normalized(rules: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The primary chart's rules with only non-default parameters written (comparable);
    ``ValueError`` for rules that do not parse."""
    return ruleset_to_mapping(ruleset_from_mapping(rules))


def same_rules(rules: Mapping[str, Any] | None, preset: RulePreset) -> bool:
    """True when ``rules`` (primary chart) are exactly the preset's."""
    try:
        return isinstance(rules, Mapping) and normalized(rules) == normalized(preset.rules)
    except ValueError:
        return False


for _preset in PRESETS:  # every published preset is a valid rule set
    ruleset_from_mapping(_preset.rules)
