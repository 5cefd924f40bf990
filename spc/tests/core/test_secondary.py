"""Rule 1 on the secondary pane (issue 26, point 9): an R, S or MR point strictly beyond
its limits raises rule 101, CRITICAL; a point exactly on a limit does not.

Expected ranges, standard deviations and moving ranges are computed here from their
definitions (max - min, the n - 1 sample standard deviation, |x_i - x_(i-1)|), never
taken from the code under test.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spc.core import rules
from spc.core.evaluate import CharacteristicConfig, Evaluation, evaluate, window_capacity
from spc.core.secondary import is_beyond, scan
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
)
from spc.core.window import RollingWindow

# Thread depth (the characteristic): X-bar R, n = 5, UCL_R = 0.1356.
R_LIMITS = ChartLimits(center_line=0.0641, ucl=0.1356, lcl=0.0)


def thread_depth(ruleset: RuleSet = rules.NELSON) -> CharacteristicConfig:
    """X-bar R, n = 5, x-bar limits wide enough that only the R chart can fire."""
    limits = ControlLimits(ChartType.XBAR_R, 1.0, 2.0, 0.0, 0.75, 5, R_LIMITS)
    return CharacteristicConfig(
        chart_type=ChartType.XBAR_R,
        subgroup_size=5,
        subgroup_mode=SubgroupMode.NOMINAL_TOLERANCE,
        min_measurements=2,
        warn_below_count=None,
        limits=limits,
        ruleset=ruleset,
    )


def post(cfg: CharacteristicConfig, subgroups: list[Subgroup]) -> list[Evaluation]:
    window = RollingWindow(window_capacity(cfg))
    out = []
    for i, subgroup in enumerate(subgroups):
        result = evaluate(window, subgroup, cfg)
        window.append(result.point, i)
        out.append(result)
    return out


def secondary_signals(result: Evaluation) -> list[int]:
    return [s.index for s in result.signals if s.rule == SECONDARY_BEYOND_LIMITS]


def test_range_0_19_against_ucl_r_0_1356_is_a_violation() -> None:
    # The subgroup: R = 1.19 - 1.00 = 0.19 > UCL_R = 0.1356.
    (result,) = post(thread_depth(), [Subgroup((1.00, 1.19, 1.10, 1.05, 1.08))])
    assert result.point.secondary_value == pytest.approx(0.19)
    (signal,) = result.signals
    assert (signal.rule, signal.severity, signal.involved) == (
        SECONDARY_BEYOND_LIMITS,
        Severity.CRITICAL,
        (0,),
    )


def test_range_exactly_on_ucl_r_is_not_beyond() -> None:
    # 0.1356 - 0.0 is exactly 0.1356 in binary floating point: on the limit, not beyond.
    (result,) = post(thread_depth(), [Subgroup((0.0, 0.1356, 0.05, 0.07, 0.1))])
    assert result.point.secondary_value == 0.1356
    assert result.signals == ()


def test_range_of_zero_on_an_lcl_of_zero_is_not_beyond() -> None:
    (result,) = post(thread_depth(), [Subgroup((1.0, 1.0, 1.0, 1.0, 1.0))])
    assert result.signals == ()


def test_range_below_a_positive_lcl_is_beyond() -> None:
    cfg = thread_depth()
    assert cfg.limits is not None
    limits = replace(cfg.limits, secondary=ChartLimits(0.5, 1.0, 0.1))
    (result,) = post(replace(cfg, limits=limits), [Subgroup((1.0, 1.05))])  # R = 0.05
    assert secondary_signals(result) == [0]


def test_only_with_rule_1_switched_on() -> None:
    no_rule_1 = RuleSet(tuple(s for s in rules.NELSON.specs if s.rule != RuleId.BEYOND_LIMITS))
    (result,) = post(thread_depth(no_rule_1), [Subgroup((1.00, 1.19, 1.10, 1.05, 1.08))])
    assert result.signals == ()


def test_phase_one_and_missing_secondary_limits_raise_nothing() -> None:
    cfg = thread_depth()
    assert cfg.limits is not None
    wide = Subgroup((1.00, 1.19, 1.10, 1.05, 1.08))
    assert post(replace(cfg, limits=None), [wide])[0].signals == ()
    without = replace(cfg, limits=replace(cfg.limits, secondary=None))
    assert post(without, [wide])[0].signals == ()


def test_moving_range_and_standard_deviation_fire_too() -> None:
    mr_limits = ControlLimits(ChartType.I_MR, 10.0, 13.0, 7.0, 1.0, 1, ChartLimits(1.128, 3.686, 0))
    imr = replace(thread_depth(), chart_type=ChartType.I_MR, subgroup_size=1, limits=mr_limits)
    imr = replace(imr, min_measurements=1)
    # MR = |12.9 - 9.0| = 3.9 > 3.686 on the second point; x stays inside 7 .. 13.
    results = post(imr, [Subgroup((9.0,)), Subgroup((12.9,))])
    assert [secondary_signals(r) for r in results] == [[], [1]]
    s_limits = ControlLimits(ChartType.XBAR_S, 1.0, 2.0, 0.0, 0.1, 4, ChartLimits(0.09, 0.2, 0))
    xbar_s = replace(thread_depth(), chart_type=ChartType.XBAR_S, subgroup_size=4)
    (result,) = post(replace(xbar_s, limits=s_limits), [Subgroup((1.0, 1.5, 1.0, 1.5))])
    assert statistics.stdev([1.0, 1.5, 1.0, 1.5]) > 0.2
    assert secondary_signals(result) == [0]


def test_is_beyond_is_strict_on_both_limits() -> None:
    assert not is_beyond(0.1356, R_LIMITS)
    assert is_beyond(0.1357, R_LIMITS)
    assert not is_beyond(0.0, R_LIMITS)


# --- streaming evaluation and batch recomputation agree ---------------------------------

# Readings at a gauge's resolution (1e-6 of the range): with values near 1e-168 the squares
# in S underflow, and the property would test float underflow instead of the rule.
value = st.integers(min_value=0, max_value=10**6).map(lambda k: k / 10**6)


def independent_secondaries(
    chart: ChartType, groups: list[tuple[float, ...]]
) -> list[float | None]:
    """R, S or MR of each subgroup from the definitions."""
    if chart == ChartType.XBAR_R:
        return [max(g) - min(g) for g in groups]
    if chart == ChartType.XBAR_S:
        return [statistics.stdev(g) for g in groups]
    firsts = [g[0] for g in groups]
    return [None] + [abs(b - a) for a, b in itertools.pairwise(firsts)]


@st.composite
def series(draw: st.DrawFn) -> tuple[ChartType, list[tuple[float, ...]], ChartLimits]:
    chart = draw(st.sampled_from([ChartType.XBAR_R, ChartType.XBAR_S, ChartType.I_MR]))
    size = 1 if chart == ChartType.I_MR else draw(st.integers(min_value=2, max_value=5))
    groups = draw(st.lists(st.tuples(*[value] * size), min_size=1, max_size=30))
    known = [v for v in independent_secondaries(chart, groups) if v is not None]
    # Limits sometimes exactly on an observed value, to exercise the boundary.
    edge = st.sampled_from(known) if known else value
    ucl = draw(st.one_of(edge, value))
    lcl = draw(st.one_of(st.just(0.0), value.filter(lambda v: v <= ucl)))
    center = draw(value.filter(lambda v: lcl <= v <= ucl) | st.just(lcl))
    return chart, groups, ChartLimits(center, ucl, lcl)


@settings(max_examples=300, deadline=None)
@given(series())
def test_streaming_and_batch_agree_on_which_secondary_points_fire(
    case: tuple[ChartType, list[tuple[float, ...]], ChartLimits],
) -> None:
    chart, groups, second = case
    n = len(groups[0])
    limits = ControlLimits(chart, 0.5, 1e6, -1e6, 1.0, n, second)
    cfg = replace(thread_depth(), chart_type=chart, subgroup_size=n, limits=limits)
    cfg = replace(cfg, min_measurements=min(n, 2))
    streamed = [i for r in post(cfg, [Subgroup(g) for g in groups]) for i in secondary_signals(r)]
    batch = scan(independent_secondaries(chart, groups), second)
    assert streamed == batch
