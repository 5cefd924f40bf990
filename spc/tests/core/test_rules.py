"""Run rules on hand-checked sequences: each rule fires exactly on the completing point.

Every expectation below was worked out by hand from the rule definitions in DESIGN.md; the
sequences are in sigma units (z), so 2.5 is a point in zone A above the centre line.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from spc.core.rules import (
    DEFAULTS,
    NELSON,
    RULE_NAMES,
    WESTERN_ELECTRIC,
    default_spec,
    describe,
    latest,
    max_length,
    ruleset_from_mapping,
    ruleset_to_mapping,
    scan,
)
from spc.core.types import RuleId, RuleSet, RuleSpec, Severity, Signal

ABOVE = 0.5  # zone C above the centre line
BELOW = -0.5


def only(rule: RuleId, **params: int | float) -> RuleSet:
    """A rule set holding one rule with Nelson's parameters, optionally overridden."""
    spec = default_spec(rule)
    length = int(params.get("length", spec.length))
    count = int(params.get("count", spec.count if rule in _COUNTED else length))
    sigma = float(params.get("sigma", spec.sigma))
    return RuleSet((RuleSpec(rule, spec.severity, length, count, sigma),))


_COUNTED = (RuleId.TWO_OF_THREE_BEYOND_2, RuleId.FOUR_OF_FIVE_BEYOND_1)


def fired(z: list[float], ruleset: RuleSet) -> list[tuple[int, tuple[int, ...]]]:
    """(index, involved) of every signal, after checking streaming gives the same list."""
    signals = scan(z, ruleset)
    length = max_length(ruleset)
    streamed = []
    for i in range(len(z)):
        start = max(0, i + 1 - length)
        streamed.extend(latest(z[start : i + 1], ruleset, offset=start))
    assert streamed == signals
    return [(s.index, s.involved) for s in signals]


def run(first: int, last: int) -> tuple[int, ...]:
    return tuple(range(first, last + 1))


# --- rule 1 ----------------------------------------------------------------------------


def test_rule1_fires_only_strictly_beyond_three_sigma() -> None:
    z = [0.0, 3.0, 3.0000001, -3.0, -3.5, 2.9, 7.0]
    assert fired(z, only(RuleId.BEYOND_LIMITS)) == [(2, (2,)), (4, (4,)), (6, (6,))]


# --- rule 2 ----------------------------------------------------------------------------


def test_rule2_fires_on_the_ninth_point_and_each_further_one() -> None:
    assert fired([ABOVE] * 8, only(RuleId.SAME_SIDE)) == []
    assert fired([ABOVE] * 9, only(RuleId.SAME_SIDE)) == [(8, run(0, 8))]
    assert fired([BELOW] * 11, only(RuleId.SAME_SIDE)) == [
        (8, run(0, 8)),
        (9, run(1, 9)),
        (10, run(2, 10)),
    ]


def test_rule2_a_point_on_the_centre_line_breaks_the_run() -> None:
    z = [ABOVE] * 4 + [0.0] + [ABOVE] * 9
    assert fired(z, only(RuleId.SAME_SIDE)) == [(13, run(5, 13))]


def test_rule2_a_crossing_restarts_the_count() -> None:
    z = [ABOVE] * 8 + [BELOW] + [ABOVE] * 8
    assert fired(z, only(RuleId.SAME_SIDE)) == []


def test_rule2_western_electric_length_8() -> None:
    z = [BELOW] * 8
    signals = scan(z, WESTERN_ELECTRIC)
    assert [(s.index, s.rule) for s in signals] == [(7, RuleId.SAME_SIDE)]


# --- rule 3 ----------------------------------------------------------------------------


def test_rule3_fires_on_the_sixth_rising_point() -> None:
    assert fired([0.0, 0.1, 0.2, 0.3, 0.4], only(RuleId.TREND)) == []
    assert fired([0.0, 0.1, 0.2, 0.3, 0.4, 0.5], only(RuleId.TREND)) == [(5, run(0, 5))]


def test_rule3_falling_fires_again_on_each_further_point() -> None:
    z = [2.0, 1.5, 1.0, 0.5, 0.0, -0.5, -1.0]
    assert fired(z, only(RuleId.TREND)) == [(5, run(0, 5)), (6, run(1, 6))]


def test_rule3_equal_neighbours_break_the_trend() -> None:
    z = [0.0, 0.1, 0.2, 0.2, 0.3, 0.4, 0.5, 0.6]
    assert fired(z, only(RuleId.TREND)) == []
    assert fired([*z, 0.7], only(RuleId.TREND)) == [(8, run(3, 8))]


def test_rule3_a_reversal_breaks_the_trend() -> None:
    z = [0.0, 0.1, 0.2, 0.3, 0.25, 0.4]
    assert fired(z, only(RuleId.TREND)) == []


# --- rule 4 ----------------------------------------------------------------------------


def test_rule4_fires_on_the_fourteenth_alternating_point() -> None:
    z = [1.0, -1.0] * 7
    assert fired(z[:13], only(RuleId.ALTERNATING)) == []
    assert fired(z, only(RuleId.ALTERNATING)) == [(13, run(0, 13))]
    assert fired([*z, 1.0], only(RuleId.ALTERNATING)) == [(13, run(0, 13)), (14, run(1, 14))]


def test_rule4_equal_neighbours_break_the_alternation() -> None:
    z = [1.0, -1.0, 1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0]
    # The equal pair at 2-3 breaks it; 3..15 are 13 alternating values: not enough.
    assert fired(z, only(RuleId.ALTERNATING)) == []
    assert fired([*z, -1.0], only(RuleId.ALTERNATING)) == [(16, run(3, 16))]


def test_rule4_two_steps_the_same_way_break_the_alternation() -> None:
    z = [0.0, 1.0, -1.0, 1.0, -1.0, 1.0, 1.5, 2.0, 1.0, 1.5, -1.0, 1.0, -1.0, 1.0]
    assert fired(z, only(RuleId.ALTERNATING)) == []


# --- rule 5 ----------------------------------------------------------------------------


def test_rule5_completing_point_is_one_of_the_two() -> None:
    assert fired([2.5, 0.0, 2.1], only(RuleId.TWO_OF_THREE_BEYOND_2)) == [(2, (0, 2))]
    # Two beyond, then one inside: the pattern was completed by the second point, not the third.
    assert fired([0.0, 2.5, 2.5, 0.5], only(RuleId.TWO_OF_THREE_BEYOND_2)) == [(2, (1, 2))]


def test_rule5_same_side_only_and_the_window_slides() -> None:
    assert fired([2.5, -2.5, 0.0], only(RuleId.TWO_OF_THREE_BEYOND_2)) == []
    assert fired([2.5, 0.0, 0.0, 2.5], only(RuleId.TWO_OF_THREE_BEYOND_2)) == []
    # Opposite-side point in between does not matter: 0 and 2 are both above.
    assert fired([2.5, -2.5, 2.5], only(RuleId.TWO_OF_THREE_BEYOND_2)) == [(2, (0, 2))]


def test_rule5_exactly_two_sigma_is_not_beyond() -> None:
    assert fired([0.0, 2.0, 2.5], only(RuleId.TWO_OF_THREE_BEYOND_2)) == []
    assert fired([0.0, -2.0, -2.5], only(RuleId.TWO_OF_THREE_BEYOND_2)) == []


def test_rule5_at_the_start_of_the_series_two_points_suffice() -> None:
    assert fired([-2.5, -2.2], only(RuleId.TWO_OF_THREE_BEYOND_2)) == [(1, (0, 1))]


def test_rule5_three_of_three_fires_with_all_three() -> None:
    assert fired([0.0, 2.5, 2.5, 2.5], only(RuleId.TWO_OF_THREE_BEYOND_2)) == [
        (2, (1, 2)),
        (3, (1, 2, 3)),
    ]


# --- rule 6 ----------------------------------------------------------------------------


def test_rule6_four_of_five_fires_on_the_fourth_beyond_point() -> None:
    z = [0.0, 1.5, 1.5, 1.5, 0.0, 1.5]
    assert fired(z, only(RuleId.FOUR_OF_FIVE_BEYOND_1)) == [(5, (1, 2, 3, 5))]


def test_rule6_completing_point_must_be_beyond() -> None:
    z = [0.0, 1.5, 1.5, 1.5, 1.5, 0.5]
    assert fired(z, only(RuleId.FOUR_OF_FIVE_BEYOND_1)) == [(4, (1, 2, 3, 4))]


def test_rule6_exactly_one_sigma_is_not_beyond_and_sides_do_not_mix() -> None:
    assert fired([0.0, 1.0, 1.5, 1.5, 0.0, 1.5], only(RuleId.FOUR_OF_FIVE_BEYOND_1)) == []
    assert fired([0.0, 1.5, 1.5, -1.5, -1.5, 1.5], only(RuleId.FOUR_OF_FIVE_BEYOND_1)) == []


# --- rule 7 ----------------------------------------------------------------------------


def test_rule7_fifteen_within_one_sigma_boundary_counts_as_within() -> None:
    z = [ABOVE, BELOW] * 7 + [1.0]
    assert fired(z[:14], only(RuleId.WITHIN_1)) == []
    assert fired(z, only(RuleId.WITHIN_1)) == [(14, run(0, 14))]
    assert fired([*z[:14], -1.0], only(RuleId.WITHIN_1)) == [(14, run(0, 14))]


def test_rule7_a_point_beyond_one_sigma_breaks_it() -> None:
    z = [ABOVE, BELOW] * 7 + [1.0000001]
    assert fired(z, only(RuleId.WITHIN_1)) == []


# --- rule 8 ----------------------------------------------------------------------------


def test_rule8_eight_beyond_one_sigma_either_side() -> None:
    z = [1.5, -1.5] * 4
    assert fired(z[:7], only(RuleId.EIGHT_BEYOND_1_EITHER_SIDE)) == []
    assert fired(z, only(RuleId.EIGHT_BEYOND_1_EITHER_SIDE)) == [(7, run(0, 7))]


def test_rule8_exactly_one_sigma_breaks_it() -> None:
    z = [1.5, -1.5, 1.5, -1.0, 1.5, -1.5, 1.5, -1.5, 1.5]
    assert fired(z, only(RuleId.EIGHT_BEYOND_1_EITHER_SIDE)) == []


# --- parameters, presets, streaming offsets ----------------------------------------------


def test_custom_parameters_change_where_rules_fire() -> None:
    assert fired([ABOVE] * 5, only(RuleId.SAME_SIDE, length=5, count=5)) == [(4, run(0, 4))]
    assert fired([0.0, 1.6, 0.0, 1.6], only(RuleId.FOUR_OF_FIVE_BEYOND_1, length=3, count=2)) == [
        (3, (1, 3))
    ]
    assert fired([1.6, 0.0, 0.0, 1.6], only(RuleId.FOUR_OF_FIVE_BEYOND_1, length=3, count=2)) == []
    assert fired([1.6, 0.0, 1.6], only(RuleId.TWO_OF_THREE_BEYOND_2, sigma=1.5)) == [(2, (0, 2))]
    assert fired([2.5, 0.0], only(RuleId.BEYOND_LIMITS, sigma=2.0)) == [(0, (0,))]


def test_scan_sorts_by_index_then_rule_and_carries_severity() -> None:
    # Nine points at 2.5 sigma: rule 5 from the 2nd, rule 6 from the 4th, 8 from the 8th,
    # 2 on the 9th.
    signals = scan([2.5] * 9, NELSON)
    at_8 = [(s.rule, s.severity) for s in signals if s.index == 8]
    assert at_8 == [
        (RuleId.SAME_SIDE, Severity.WARNING),
        (RuleId.TWO_OF_THREE_BEYOND_2, Severity.WARNING),
        (RuleId.FOUR_OF_FIVE_BEYOND_1, Severity.WARNING),
        (RuleId.EIGHT_BEYOND_1_EITHER_SIDE, Severity.WARNING),
    ]
    assert [(s.index, s.rule) for s in signals][:3] == [
        (1, RuleId.TWO_OF_THREE_BEYOND_2),
        (2, RuleId.TWO_OF_THREE_BEYOND_2),
        (3, RuleId.TWO_OF_THREE_BEYOND_2),
    ]
    keys = [(s.index, int(s.rule)) for s in signals]
    assert keys == sorted(keys)


def test_latest_reports_indices_with_offset_and_reads_only_the_tail() -> None:
    tail = [9.9] * 20 + [ABOVE] * 9  # old points beyond max_length are not read
    signals = latest(tail, NELSON, offset=1000)
    assert signals == [Signal(1028, RuleId.SAME_SIDE, Severity.WARNING, run(1020, 1028))]


def test_latest_of_nothing_and_empty_ruleset() -> None:
    assert latest([], NELSON) == []
    assert latest([5.0], RuleSet(())) == []
    assert scan([5.0, 5.0], RuleSet(())) == []
    assert scan([], NELSON) == []


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_z_is_a_clear_error(bad: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        scan([0.0, bad], NELSON)
    with pytest.raises(ValueError, match="finite"):
        latest([0.0, bad], NELSON)


def test_max_length() -> None:
    assert max_length(NELSON) == 15
    assert max_length(WESTERN_ELECTRIC) == 8
    assert max_length(RuleSet(())) == 1
    assert max_length(only(RuleId.TREND)) == 6
    assert max_length(only(RuleId.ALTERNATING)) == 14


def test_presets() -> None:
    assert [s.rule for s in NELSON.specs] == list(RuleId)
    assert {s.rule: s.severity for s in NELSON.specs}[RuleId.BEYOND_LIMITS] is Severity.CRITICAL
    assert all(s.severity is Severity.WARNING for s in NELSON.specs[1:])
    for spec in NELSON.specs:
        assert (spec.length, spec.count, spec.sigma) == DEFAULTS[spec.rule]
    assert [(s.rule, s.length, s.severity) for s in WESTERN_ELECTRIC.specs] == [
        (RuleId.BEYOND_LIMITS, 1, Severity.CRITICAL),
        (RuleId.SAME_SIDE, 8, Severity.WARNING),
        (RuleId.TWO_OF_THREE_BEYOND_2, 3, Severity.WARNING),
        (RuleId.FOUR_OF_FIVE_BEYOND_1, 5, Severity.WARNING),
    ]


def test_names_and_descriptions_use_the_parameters() -> None:
    assert RULE_NAMES[RuleId.SAME_SIDE] == "9 in a row on one side of the centre line"
    assert RULE_NAMES[RuleId.BEYOND_LIMITS] == "1 point beyond 3σ"
    assert RULE_NAMES[RuleId.TWO_OF_THREE_BEYOND_2] == "2 of 3 beyond 2σ on the same side"
    assert set(RULE_NAMES) == set(RuleId)
    assert describe(WESTERN_ELECTRIC.specs[1]) == "8 in a row on one side of the centre line"
    custom = RuleSpec(RuleId.FOUR_OF_FIVE_BEYOND_1, Severity.WARNING, 7, 5, 1.5)
    assert describe(custom) == "5 of 7 beyond 1.5σ on the same side"


# --- the stored rules JSON ---------------------------------------------------------------


def test_mapping_of_all_eight_gives_nelson() -> None:
    mapping = {str(r.value): {"severity": "WARNING"} for r in RuleId}
    mapping["1"] = {"severity": "CRITICAL"}
    assert ruleset_from_mapping(mapping) == NELSON


def test_mapping_overrides_enabled_and_order() -> None:
    ruleset = ruleset_from_mapping(
        {
            "6": {"severity": "CRITICAL", "length": 6, "count": 5, "sigma": 1.5},
            "2": {"severity": "WARNING", "length": 8},
            "1": {"severity": "CRITICAL"},
            "3": {"severity": "WARNING", "enabled": False},
            "5": {},
        }
    )
    assert ruleset.specs == (
        RuleSpec(RuleId.BEYOND_LIMITS, Severity.CRITICAL, 1, 1, 3.0),
        RuleSpec(RuleId.SAME_SIDE, Severity.WARNING, 8, 8, 0.0),
        RuleSpec(RuleId.TWO_OF_THREE_BEYOND_2, Severity.WARNING, 3, 2, 2.0),
        RuleSpec(RuleId.FOUR_OF_FIVE_BEYOND_1, Severity.CRITICAL, 6, 5, 1.5),
    )
    assert ruleset_from_mapping({}) == RuleSet(())


def test_mapping_round_trip_writes_only_non_default_params() -> None:
    assert ruleset_to_mapping(WESTERN_ELECTRIC) == {
        "1": {"severity": "CRITICAL"},
        "2": {"severity": "WARNING", "length": 8},
        "5": {"severity": "WARNING"},
        "6": {"severity": "WARNING"},
    }
    custom = RuleSet((RuleSpec(RuleId.FOUR_OF_FIVE_BEYOND_1, Severity.CRITICAL, 6, 5, 1.5),))
    assert ruleset_to_mapping(custom) == {
        "6": {"severity": "CRITICAL", "length": 6, "count": 5, "sigma": 1.5}
    }
    for preset in (NELSON, WESTERN_ELECTRIC, custom):
        assert ruleset_from_mapping(ruleset_to_mapping(preset)) == preset


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"9": {"severity": "WARNING"}}, "Unknown rule '9'"),
        ({"0": {}}, "Unknown rule"),
        ({"two": {}}, "Unknown rule"),
        ({"1": {"severity": "INFO"}}, "severity must be INFORMATIONAL, WARNING or CRITICAL"),
        ({"5": {"count": 4}}, r"count \(4\) cannot exceed length \(3\)"),
        ({"2": {"length": 0}}, "length must be between 2 and 100"),
        ({"2": {"length": 1}}, "length must be between 2 and 100"),
        ({"2": {"length": 500}}, "length must be between 2 and 100"),
        ({"2": {"length": 8.5}}, "must be a whole number"),
        ({"2": {"length": True}}, "must be a whole number"),
        ({"3": {"length": 2}}, "at least 3"),
        ({"1": {"length": 2}}, "single point"),
        ({"6": {"count": 0}}, "count must be at least 1"),
        ({"2": {"count": 5}}, "count must equal length"),
        ({"6": {"sigma": -1}}, "sigma must be a positive multiple"),
        ({"6": {"sigma": "one"}}, "sigma must be a number"),
        ({"6": {"sigma": math.inf}}, "finite"),
        ({"2": {"sigma": 1.0}}, "does not use a sigma"),
        ({"2": {"lenght": 8}}, "unknown setting"),
        ({"2": {"enabled": "no"}}, "enabled must be true or false"),
        ({"2": ["WARNING"]}, "must be a mapping"),
        ({"2": {}, "02": {}}, "more than once"),
    ],
)
def test_mapping_errors_are_clear(mapping: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ruleset_from_mapping(mapping)


def test_mapping_must_be_a_mapping() -> None:
    with pytest.raises(ValueError, match="must be a mapping"):
        ruleset_from_mapping(["1", "2"])


def test_latest_and_scan_take_lists_tuples_and_arrays() -> None:
    z = [0.0, 2.5, 2.5]
    expected = [Signal(2, RuleId.TWO_OF_THREE_BEYOND_2, Severity.WARNING, (1, 2))]
    assert latest(tuple(z), NELSON) == expected
    assert latest(np.array(z), NELSON) == expected
    assert scan(np.array(z), NELSON) == [
        Signal(2, RuleId.TWO_OF_THREE_BEYOND_2, Severity.WARNING, (1, 2))
    ]


def test_non_numbers_are_a_clear_error() -> None:
    with pytest.raises(ValueError, match="numbers"):
        latest([0.0, "high"], NELSON)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="numbers"):
        scan([0.0, "high"], NELSON)  # type: ignore[list-item]
