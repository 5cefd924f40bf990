"""Published rule sets as versioned presets, checked against the publications.

Each expected table below is written from the source, not from the preset module:

* AIAG, Statistical Process Control Reference Manual, 2nd ed. (2005), Chapter II Section C:
  1 point beyond zone A; 7 points in a row on one side of the centre line; 7 points in a
  row consistently increasing or decreasing; 14 alternating; 2 of 3 in zone A or beyond;
  4 of 5 in zone B or beyond; 15 in a row in zone C; 8 in a row with none in zone C.
* Montgomery, Introduction to Statistical Quality Control, 7th ed., Table 5.1 (sensitizing
  rules): outside the control limits; 2 of 3 beyond 2 sigma; 4 of 5 beyond 1 sigma; a run
  of 8 on one side; 6 in a row increasing or decreasing; 15 in a row in zone C; 14
  alternating; 8 in a row on both sides with none in zone C. (Rules 9 and 10 need judgement.)
* Juran's Quality Handbook, 5th ed., Section 45: Nelson's eight tests (9 on one side, 6
  trending, 14 alternating, 2 of 3 / 4 of 5, 15 in zone C, 8 outside zone C).
* Nelson, JQT 16(4) 1984; Western Electric Statistical Quality Control Handbook (1956).
"""

from __future__ import annotations

import pytest

from spc.core import rule_presets
from spc.core.rules import latest, ruleset_from_mapping
from spc.core.types import RuleId

# rule -> (length, count, sigma) as each publication states it
NELSON_TABLE = {
    1: (1, 1, 3.0), 2: (9, 9, 0.0), 3: (6, 6, 0.0), 4: (14, 14, 0.0),
    5: (3, 2, 2.0), 6: (5, 4, 1.0), 7: (15, 15, 1.0), 8: (8, 8, 1.0),
}  # fmt: skip
PUBLISHED = {
    "NELSON": NELSON_TABLE,
    "JURAN": NELSON_TABLE,
    "AIAG": {**NELSON_TABLE, 2: (7, 7, 0.0), 3: (7, 7, 0.0)},
    "MONTGOMERY": {**NELSON_TABLE, 2: (8, 8, 0.0)},
    "WESTERN_ELECTRIC": {1: (1, 1, 3.0), 2: (8, 8, 0.0), 5: (3, 2, 2.0), 6: (5, 4, 1.0)},
}


@pytest.mark.parametrize("key", sorted(PUBLISHED))
def test_each_preset_is_the_published_rule_set(key: str) -> None:
    preset = rule_presets.get(key)
    specs = ruleset_from_mapping(preset.rules).specs
    assert {int(s.rule): (s.length, s.count, s.sigma) for s in specs} == PUBLISHED[key]
    assert preset.source
    assert preset.ident == f"{key}@1"
    severities = {int(s.rule): s.severity.value for s in specs}
    assert severities.pop(1) == "CRITICAL"
    assert set(severities.values()) == {"WARNING"}


def test_aiag_runs_and_trends_fire_on_the_seventh_point() -> None:
    aiag = ruleset_from_mapping(rule_presets.get("AIAG").rules)
    one_side = [0.5] * 7
    assert [s.rule for s in latest(one_side[:6], aiag)] == []
    assert RuleId.SAME_SIDE in [s.rule for s in latest(one_side, aiag)]
    rising = [-1.5 + 0.4 * i for i in range(7)]
    assert RuleId.TREND not in [s.rule for s in latest(rising[:6], aiag)]
    assert RuleId.TREND in [s.rule for s in latest(rising, aiag)]


def test_montgomery_run_of_eight_and_nelson_run_of_nine() -> None:
    eight = [0.5] * 8
    montgomery = ruleset_from_mapping(rule_presets.get("MONTGOMERY").rules)
    nelson = ruleset_from_mapping(rule_presets.get("NELSON").rules)
    assert RuleId.SAME_SIDE in [s.rule for s in latest(eight, montgomery)]
    assert RuleId.SAME_SIDE not in [s.rule for s in latest(eight, nelson)]
    assert RuleId.SAME_SIDE in [s.rule for s in latest([*eight, 0.5], nelson)]


def test_presets_are_found_by_key_or_by_version_and_never_change_in_place() -> None:
    assert rule_presets.get("aiag") is rule_presets.get("AIAG@1")
    with pytest.raises(KeyError):
        rule_presets.get("AIAG@99")
    with pytest.raises(KeyError):
        rule_presets.get("SHEWHART")
    with pytest.raises(TypeError):
        rule_presets.get("AIAG").rules["2"]["length"] = 9
    idents = [p.ident for p in rule_presets.PRESETS]
    assert len(idents) == len(set(idents))


def test_same_rules_ignores_spelled_out_defaults_and_the_secondary_pane() -> None:
    aiag = rule_presets.get("AIAG")
    stored = aiag.mapping()
    stored["4"] = {"severity": "WARNING", "length": 14}  # Nelson's default, spelled out
    stored["secondary"] = {"2": {"severity": "WARNING"}}
    assert rule_presets.same_rules(stored, aiag)
    stored["2"] = {"severity": "WARNING", "length": 8}
    assert not rule_presets.same_rules(stored, aiag)
    assert not rule_presets.same_rules({"1": {"severity": "LOUD"}}, aiag)
