"""Run rules on the secondary pane (R, S, MR): stored as 100 + k, judged on
z = (value - CL_sec) / sigma_sec with sigma_sec = (UCL_sec - CL_sec) / 3, streamed by
``evaluate`` exactly as the batch ``secondary.scan_rules`` finds them.

Oracle for the limits: Montgomery, Introduction to SQC, 7th ed., Appendix Table VI:
D3 = 0 and D4 = 2.114 for n = 5, D4 = 3.267 and d2 = 1.128 for n = 2. The rule
definitions are Montgomery's Table 5.1 ("a run of eight consecutive points on one side of
the center line"; "two of three consecutive points outside the two-sigma warning limits").
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spc.core import rules, secondary
from spc.core.evaluate import CharacteristicConfig, Evaluation, evaluate, window_capacity
from spc.core.rule_presets import get as preset
from spc.core.rule_specs import ruleset_from_mapping, secondary_ruleset_from_mapping
from spc.core.types import (
    SECONDARY_BEYOND_LIMITS,
    ChartLimits,
    ChartType,
    ControlLimits,
    RuleId,
    RuleSet,
    Severity,
    Subgroup,
    SubgroupMode,
    is_secondary_rule,
)
from spc.core.window import RollingWindow
from spc.tests.core.test_rules_properties import rulesets

# n = 5, R-bar = 1: UCL_R = D4 * R-bar = 2.114, LCL_R = D3 * R-bar = 0 (Montgomery Table VI).
R_LIMITS = ChartLimits(1.0, 2.114, 0.0)
SIGMA_R = (2.114 - 1.0) / 3  # 0.37133...
MONTGOMERY = ruleset_from_mapping(preset("MONTGOMERY").mapping())


def xbar_r(secondary_rules: RuleSet | None, limits: ChartLimits = R_LIMITS) -> CharacteristicConfig:
    """An X-bar R chart, n = 5, whose R pane has ``limits`` and the given rules."""
    return CharacteristicConfig(
        chart_type=ChartType.XBAR_R,
        subgroup_size=5,
        subgroup_mode=SubgroupMode.NOMINAL_TOLERANCE,
        min_measurements=2,
        warn_below_count=None,
        limits=ControlLimits(ChartType.XBAR_R, 0.0, 3.0, -3.0, 1.0, 5, secondary=limits),
        ruleset=rules.NELSON,
        secondary_ruleset=secondary_rules,
    )


def with_range(r: float) -> Subgroup:
    """Five measurements around 0 whose mean is 0 and whose range is ``r``."""
    return Subgroup((-r / 2, 0.0, 0.0, 0.0, r / 2))


def post(cfg: CharacteristicConfig, subgroups: list[Subgroup]) -> list[Evaluation]:
    window = RollingWindow(window_capacity(cfg))
    out = []
    for i, subgroup in enumerate(subgroups):
        result = evaluate(window, subgroup, cfg)
        window.append(result.point, i)
        out.append(result)
    return out


def secondary_fired(results: list[Evaluation]) -> list[tuple[int, int]]:
    return [(s.index, s.rule) for r in results for s in r.signals if is_secondary_rule(s.rule)]


def test_z_of_a_range_uses_the_upper_half_width_on_both_sides() -> None:
    assert secondary.sigma_of(R_LIMITS) == pytest.approx(SIGMA_R)
    assert secondary.z_of(1.8, R_LIMITS) == pytest.approx(0.8 / SIGMA_R)  # 2.154
    # R = 0 on a clipped LCL of 0: -2.69 sigma, not on -3 as the drawn limit would say
    assert secondary.z_of(0.0, R_LIMITS) == pytest.approx(-1.0 / SIGMA_R)


def test_a_run_of_eight_ranges_above_r_bar_fires_rule_102_on_the_eighth() -> None:
    """Montgomery Table 5.1: a run of eight consecutive points on one side."""
    results = post(xbar_r(MONTGOMERY), [with_range(1.2)] * 9)
    assert secondary_fired(results) == [(7, 102), (8, 102)]
    signal = next(s for s in results[7].signals if s.rule == 102)
    assert signal.involved == tuple(range(8))
    assert signal.severity == Severity.WARNING


def test_two_of_three_ranges_beyond_two_sigma_fire_rule_105() -> None:
    """1.8 is 2.15 sigma_R above R-bar: two of three beyond 2 sigma, not beyond UCL_R."""
    results = post(xbar_r(MONTGOMERY), [with_range(1.8), with_range(1.0), with_range(1.8)])
    assert secondary_fired(results) == [(2, 105)]


def test_small_ranges_can_fire_the_zone_rules_below_the_centre_line() -> None:
    """R = 0 twice: -2.69 sigma_R, two of three beyond -2 sigma (rule 5) though an R of 0
    is on the clipped LCL of 0 and never beyond it (rule 1)."""
    results = post(xbar_r(MONTGOMERY), [with_range(0.0)] * 2)
    assert secondary_fired(results) == [(1, 105)]


def test_without_secondary_settings_only_rule_1_judges_the_range_as_before() -> None:
    results = post(xbar_r(None), [with_range(1.2)] * 9 + [with_range(2.5)])
    assert secondary_fired(results) == [(9, SECONDARY_BEYOND_LIMITS)]
    assert results[9].signals[-1].severity == Severity.CRITICAL


def test_rule_1_on_the_secondary_pane_can_be_informational_or_off() -> None:
    info = ruleset_from_mapping({"1": {"severity": "INFORMATIONAL"}})
    results = post(xbar_r(info), [with_range(2.5)])
    assert [(s.rule, s.severity) for s in results[0].signals] == [(101, Severity.INFORMATIONAL)]
    assert secondary_fired(post(xbar_r(RuleSet(())), [with_range(2.5)])) == []


def test_the_window_holds_the_longest_secondary_rule() -> None:
    long_run = ruleset_from_mapping({"2": {"length": 40}})
    assert window_capacity(xbar_r(long_run)) == 40


def test_secondary_mapping_is_validated_with_a_prefix() -> None:
    with pytest.raises(ValueError, match="Secondary pane: Rule 6: count"):
        ruleset_from_mapping({"1": {}, "secondary": {"6": {"count": 6}}})
    with pytest.raises(ValueError, match="Secondary pane"):
        ruleset_from_mapping({"secondary": {"secondary": {}}})
    assert secondary_ruleset_from_mapping({"1": {}}) is None
    assert secondary_ruleset_from_mapping({"secondary": {}}) == RuleSet(())


def test_i_mr_moving_ranges_start_after_the_first_point() -> None:
    """The first point has no moving range: the MR series starts at the second point."""
    cfg = replace(
        xbar_r(ruleset_from_mapping({"2": {"length": 3}})),
        chart_type=ChartType.I_MR,
        subgroup_size=1,
        min_measurements=1,
        limits=ControlLimits(
            ChartType.I_MR, 0.0, 3.0, -3.0, 1.0, 1, secondary=ChartLimits(1.128, 3.685, 0.0)
        ),
    )
    values = [0.0, 2.0, 0.0, 2.0]  # moving ranges 2, 2, 2 (above MR-bar 1.128)
    results = post(cfg, [Subgroup((v,)) for v in values])
    assert secondary_fired(results) == [(3, 102)]
    assert results[3].signals[-1].involved == (1, 2, 3)


# --- streaming equals batch on the secondary series --------------------------------------

RANGE_VALUES = [0.0, 0.2, 0.5, 0.62, 0.8, 1.0, 1.2, 1.37, 1.5, 1.8, 2.0, 2.114, 2.2, 3.0]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(RANGE_VALUES), min_size=1, max_size=50), rulesets())
def test_streaming_agrees_with_the_batch_scan_on_ranges(
    ranges: list[float], ruleset: RuleSet
) -> None:
    results = post(xbar_r(ruleset), [with_range(r) for r in ranges])
    streamed = [s for r in results for s in r.signals if is_secondary_rule(s.rule)]
    values = [r.point.secondary_value for r in results]
    assert streamed == secondary.scan_rules(values, R_LIMITS, ruleset)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from([-2.0, -1.0, -0.5, 0.0, 0.3, 1.0, 2.5, 4.0]), max_size=50),
    rulesets(),
)
def test_streaming_agrees_with_the_batch_scan_on_moving_ranges(
    values: list[float], ruleset: RuleSet
) -> None:
    cfg: Any = replace(
        xbar_r(ruleset),
        chart_type=ChartType.I_MR,
        subgroup_size=1,
        min_measurements=1,
        limits=ControlLimits(
            ChartType.I_MR, 0.0, 3.0, -3.0, 1.0, 1, secondary=ChartLimits(1.128, 3.685, 0.0)
        ),
    )
    results = post(cfg, [Subgroup((v,)) for v in values])
    streamed = [s for r in results for s in r.signals if is_secondary_rule(s.rule)]
    moving = [r.point.secondary_value for r in results]
    assert streamed == secondary.scan_rules(moving, ChartLimits(1.128, 3.685, 0.0), ruleset)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(RANGE_VALUES), min_size=1, max_size=40), rulesets())
def test_secondary_latest_equals_the_scan_on_every_prefix(
    ranges: list[float], ruleset: RuleSet
) -> None:
    batch = secondary.scan_rules(ranges, R_LIMITS, ruleset)
    streamed = [
        s for i in range(len(ranges)) for s in secondary.latest(ranges[: i + 1], R_LIMITS, ruleset)
    ]
    assert sorted(streamed, key=lambda s: (s.index, s.rule)) == batch
    assert all(s.rule - 100 in {int(r) for r in RuleId} for s in batch)


def test_secondary_rule_texts_name_the_statistic_and_the_configured_run() -> None:
    from spc.core.rule_texts import rule_text

    rules_json = {"1": {}, "secondary": {"2": {"severity": "WARNING", "length": 8}}}
    assert rule_text(102, rules_json, "XBAR_S") == "S: 8 in a row on one side of the centre line"
    assert rule_text(105, rules_json, "I_MR") == "MR: 2 of 3 beyond 2σ on the same side"
    assert rule_text(101, rules_json, "XBAR_R") == "R beyond its control limits"
