"""Limit recalculation: plain and with iterative dropping of out-of-control points."""

from __future__ import annotations

import pytest

from spc.core.errors import InputError, ZeroSpreadError
from spc.core.limits import compute_limits
from spc.core.recalc import out_of_control, recalculate
from spc.core.types import ChartType, Subgroup
from spc.tests.core.test_limits_reference import ORANGE_JUICE


def singles(values: list[float]) -> list[Subgroup]:
    return [Subgroup((float(v),)) for v in values]


def test_without_dropping_it_is_compute_limits() -> None:
    baseline = singles([10, 12, 11, 13, 10, 30, 11])
    result = recalculate(ChartType.I_MR, baseline, 1)
    assert result.limits == compute_limits(ChartType.I_MR, baseline, 1)
    assert (result.dropped, result.iterations) == ((), 1)


def test_orange_juice_revision() -> None:
    # Montgomery Example 7.1: samples 15 (p = 0.44) and 23 (p = 0.48) are beyond the
    # trial UCL 0.4102; without them the revised limits are p-bar = 0.2150,
    # UCL = 0.3893, LCL = 0.0407. The book then notes that sample 21 (p = 0.40) exceeds
    # the revised UCL (it keeps it, finding no assignable cause).
    subgroups = [Subgroup(count=c, sample_size=50) for c in ORANGE_JUICE]
    one_pass = recalculate(ChartType.P, subgroups, 50, drop_out_of_control=True, max_iterations=2)
    assert one_pass.dropped == (14, 22)
    assert one_pass.iterations == 2
    assert one_pass.limits.center_line == pytest.approx(0.2150, abs=5e-5)
    assert one_pass.limits.ucl == pytest.approx(0.3893, abs=5e-5)
    assert one_pass.limits.lcl == pytest.approx(0.0407, abs=5e-5)
    kept = [s for i, s in enumerate(subgroups) if i not in one_pass.dropped]
    assert out_of_control(ChartType.P, kept, one_pass.limits) == [20 - 1]  # sample 21
    # Left to iterate, the automatic procedure drops sample 21 as well.
    full = recalculate(ChartType.P, subgroups, 50, drop_out_of_control=True)
    assert full.dropped == (14, 20, 22)


def test_drops_are_repeated_until_none_is_beyond() -> None:
    # A gross outlier hides a smaller one: the first pass drops 50, the second pass
    # (tighter limits) drops 16.
    values = [10, 11, 10, 12, 11, 10, 11, 12, 10, 11, 50, 10, 11, 16, 12, 11, 10, 11]
    result = recalculate(ChartType.I_MR, singles(values), 1, drop_out_of_control=True)
    assert 10 in result.dropped
    assert 13 in result.dropped
    kept = [v for i, v in enumerate(values) if i not in result.dropped]
    final = compute_limits(ChartType.I_MR, singles(kept), 1)
    assert result.limits == final
    assert out_of_control(ChartType.I_MR, singles(kept), final) == []
    assert result.iterations >= 3


def test_iteration_cap() -> None:
    values = [10, 11, 10, 12, 11, 10, 11, 12, 10, 11, 50, 10, 11, 16, 12, 11, 10, 11]
    capped = recalculate(
        ChartType.I_MR, singles(values), 1, drop_out_of_control=True, max_iterations=2
    )
    assert capped.iterations == 2
    assert capped.dropped  # one pass of drops happened
    once = recalculate(
        ChartType.I_MR, singles(values), 1, drop_out_of_control=True, max_iterations=1
    )
    assert (once.dropped, once.iterations) == ((), 1)
    with pytest.raises(ValueError, match="at least 1"):
        recalculate(ChartType.I_MR, singles(values), 1, max_iterations=0)


def test_range_chart_outliers_are_dropped_too() -> None:
    # Means all equal, one subgroup with a huge range: beyond the R chart only.
    baseline = [Subgroup((9.0, 10.0, 11.0))] * 8 + [Subgroup((0.0, 10.0, 20.0))]
    result = recalculate(ChartType.XBAR_R, baseline, 3, drop_out_of_control=True)
    assert result.dropped == (8,)
    assert result.limits.secondary is not None
    assert result.limits.secondary.center_line == pytest.approx(2.0)


def test_a_point_on_the_limit_is_kept() -> None:
    # c-bar = 9 with counts 0 and 18 on the limits (9 -/+ 3 * 3): nothing beyond.
    baseline = [Subgroup(count=c) for c in (0, 18, 9, 9)]
    result = recalculate(ChartType.C, baseline, 1, drop_out_of_control=True)
    assert result.dropped == ()


def test_dropping_that_would_leave_no_spread_stops() -> None:
    baseline = singles([5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 9])
    result = recalculate(ChartType.I_MR, baseline, 1, drop_out_of_control=True)
    assert result.dropped == ()  # the rest would be constant: limits from everything stand
    assert result.limits == compute_limits(ChartType.I_MR, baseline, 1)


def test_small_shift_charts_are_never_trimmed() -> None:
    values = [10, 11, 10, 12, 11, 10, 11, 12, 10, 11, 50, 10]
    result = recalculate(ChartType.EWMA, singles(values), 1, drop_out_of_control=True)
    assert result.dropped == ()


def test_errors_of_the_full_baseline_are_raised() -> None:
    with pytest.raises(ZeroSpreadError):
        recalculate(ChartType.I_MR, singles([4, 4, 4]), 1, drop_out_of_control=True)
    with pytest.raises(InputError):
        recalculate(ChartType.I_MR, singles([4]), 1)
