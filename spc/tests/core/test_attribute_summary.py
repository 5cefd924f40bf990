"""Attribute limits at the right sample size (issue 26, point 4).

The issue's characteristics were left at the default n = 1 while each sample inspected
200 items (np), 100 items (p) or 4 units (u); their stored limits came out as if each
sample had one item: np CL 0.0154, UCL 0.385; p UCL 0.603; u UCL 5.16. The baselines below
reproduce those numbers at n = 1 and check the right ones, computed here from the textbook
formulas (Montgomery, Introduction to Statistical Quality Control, ch. 7):

    p-bar = sum(defectives) / sum(n)
    np: CL = n p-bar, UCL = n p-bar + 3 sqrt(n p-bar (1 - p-bar))
    p: UCL = p-bar + 3 sqrt(p-bar (1 - p-bar) / n)
    u-bar = sum(defects) / sum(units), u: UCL = u-bar + 3 sqrt(u-bar / n)
"""

from __future__ import annotations

import math

import pytest

from spc.core.limits import compute_limits, limits_from_stored, point_limits
from spc.core.recalc import recalculate
from spc.core.types import ChartType, SampleSizeBasis, Subgroup, SubgroupMode
from spc.tests.core.test_limits_reference import ORANGE_JUICE

NOMINAL = SubgroupMode.NOMINAL_TOLERANCE

# np: 20 samples of 200 items, 62 defectives: p-bar = 0.0155.
NP_COUNTS = [3, 2, 4, 3, 5, 1, 3, 4, 2, 3, 3, 4, 2, 5, 3, 2, 3, 4, 3, 3]
# p: 20 samples of 100 items, 74 defectives: p-bar = 0.037.
P_COUNTS = [4, 3, 5, 2, 4, 3, 6, 4, 2, 3, 5, 4, 3, 4, 2, 5, 4, 3, 4, 4]
# u: 40 samples of 4 units, 239 defects: u-bar = 1.49375.
U_COUNTS = [6, 5, 7, 4, 6, 8, 5, 6, 7, 6] * 4
U_COUNTS[0] = 5  # 239 in all


def test_the_baselines_are_the_issues() -> None:
    assert (sum(NP_COUNTS), sum(P_COUNTS), sum(U_COUNTS)) == (62, 74, 239)


def np_expected(total: int, inspected: float, n: float) -> tuple[float, float, float]:
    p = total / inspected
    half = 3 * math.sqrt(n * p * (1 - p))
    return n * p, n * p + half, max(n * p - half, 0.0)


def test_np_chart_left_at_n_1_is_stated_at_the_baselines_n_of_200() -> None:
    baseline = [Subgroup(count=c, sample_size=200) for c in NP_COUNTS]
    result = recalculate(ChartType.NP, baseline, 1)
    cl, ucl, lcl = np_expected(62, 4000, 200)
    assert (result.limits.center_line, result.limits.ucl, result.limits.lcl) == pytest.approx(
        (cl, ucl, lcl)
    )
    assert result.limits.center_line == pytest.approx(3.1, abs=0.005)  # the issue's
    assert result.limits.ucl == pytest.approx(8.34, abs=0.005)
    assert result.limits.lcl == 0.0
    assert (result.sample_size_basis, result.summary_sample_size) == (
        SampleSizeBasis.AVERAGE,
        200.0,
    )
    # What was stored before: the same formulas at n = 1 (CL 0.0155, UCL 0.386).
    wrong_cl, wrong_ucl, _ = np_expected(62, 4000, 1)
    assert result.limits.ucl != pytest.approx(wrong_ucl)
    assert wrong_cl == pytest.approx(0.0155)
    assert wrong_ucl == pytest.approx(0.386, abs=1e-3)


def test_np_chart_with_its_nominal_n_says_nominal() -> None:
    baseline = [Subgroup(count=c, sample_size=200) for c in NP_COUNTS]
    result = recalculate(ChartType.NP, baseline, 200)
    assert result.limits.center_line == pytest.approx(np_expected(62, 4000, 200)[0])
    assert (result.sample_size_basis, result.summary_sample_size) == (
        SampleSizeBasis.NOMINAL,
        200.0,
    )


def test_p_chart_ucl_for_n_100() -> None:
    baseline = [Subgroup(count=c, sample_size=100) for c in P_COUNTS]
    limits = recalculate(ChartType.P, baseline, 1).limits
    p = 74 / 2000
    assert limits.center_line == pytest.approx(p)
    assert limits.ucl == pytest.approx(p + 3 * math.sqrt(p * (1 - p) / 100))
    assert limits.ucl == pytest.approx(0.094, abs=0.0005)  # not 0.603
    assert p + 3 * math.sqrt(p * (1 - p)) == pytest.approx(0.603, abs=0.0005)


def test_u_chart_ucl_for_n_4() -> None:
    baseline = [Subgroup(count=c, sample_size=4) for c in U_COUNTS]
    limits = recalculate(ChartType.U, baseline, 1).limits
    u = 239 / 160
    assert limits.center_line == pytest.approx(u)
    assert limits.ucl == pytest.approx(u + 3 * math.sqrt(u / 4))
    assert limits.ucl == pytest.approx(3.33, abs=0.005)  # not 5.16
    assert u + 3 * math.sqrt(u) == pytest.approx(5.16, abs=0.005)


def test_varying_sample_sizes_pool_the_counts_and_state_the_average_n() -> None:
    # 2/50, 9/150, 1/100: p-bar = 12/300 = 0.04 (the mean of the proportions is 0.04 too
    # only by accident of weights; here it is (0.04 + 0.06 + 0.01)/3 = 0.0367).
    baseline = [Subgroup(count=2, sample_size=50), Subgroup(count=9, sample_size=150)]
    baseline.append(Subgroup(count=1, sample_size=100))
    result = recalculate(ChartType.P, baseline, 100)
    assert result.limits.center_line == pytest.approx(12 / 300)
    assert (result.sample_size_basis, result.summary_sample_size) == (
        SampleSizeBasis.AVERAGE,
        100.0,
    )
    p = 0.04
    at_150 = point_limits(result.limits, NOMINAL, 150)
    assert at_150.ucl == pytest.approx(p + 3 * math.sqrt(p * (1 - p) / 150))


def test_c_chart_has_no_sample_size_basis() -> None:
    result = recalculate(ChartType.C, [Subgroup(count=c) for c in (3, 5, 4)], 1)
    assert (result.sample_size_basis, result.summary_sample_size) == (None, None)


def test_variables_charts_are_stated_at_the_nominal_n() -> None:
    groups = [Subgroup((1.0, 2.0, 3.0)), Subgroup((2.0, 3.0, 5.0))]
    result = recalculate(ChartType.XBAR_R, groups, 3)
    assert (result.sample_size_basis, result.summary_sample_size) == (
        SampleSizeBasis.NOMINAL,
        3.0,
    )


# --- published references ----------------------------------------------------------------


def test_orange_juice_p_chart_with_the_nominal_n_left_at_1() -> None:
    # Montgomery Example 7.1 (30 samples of n = 50): p-bar = 0.2313, UCL = 0.4102,
    # LCL = 0.0524, whatever nominal n the characteristic was left at.
    baseline = [Subgroup(count=c, sample_size=50) for c in ORANGE_JUICE]
    result = recalculate(ChartType.P, baseline, 1)
    limits = result.limits
    assert (limits.center_line, limits.ucl, limits.lcl) == pytest.approx(
        (0.2313, 0.4102, 0.0524), abs=5e-5
    )
    assert result.summary_sample_size == 50.0
    np_limits = recalculate(ChartType.NP, baseline, 1).limits
    assert (np_limits.center_line, np_limits.ucl, np_limits.lcl) == pytest.approx(
        (50 * 0.2313, 50 * 0.4102, 50 * 0.0524), abs=50 * 5e-5
    )


def test_montgomery_dyed_cloth_u_chart_with_varying_units() -> None:
    # Montgomery Example 7.7 (nonconformities in 10 rolls of dyed cloth, 8 to 13 inspection
    # units of 50 m² each): u-bar = 153 / 107.5 = 1.42; a roll of 10 units has
    # UCL = 1.42 + 3 sqrt(1.42/10) = 2.55 and LCL = 0.29.
    units = [10.0, 8.0, 13.0, 10.0, 9.5, 10.0, 12.0, 10.5, 12.0, 12.5]
    defects = [14, 12, 20, 11, 7, 10, 21, 16, 19, 23]
    baseline = [Subgroup(count=c, sample_size=n) for c, n in zip(defects, units, strict=True)]
    result = recalculate(ChartType.U, baseline, 10)
    assert result.limits.center_line == pytest.approx(1.42, abs=5e-3)
    assert result.sample_size_basis == SampleSizeBasis.AVERAGE
    assert result.summary_sample_size == pytest.approx(10.75)
    at_10 = point_limits(result.limits, NOMINAL, 10)
    assert (at_10.ucl, at_10.lcl) == pytest.approx((2.55, 0.29), abs=0.01)


# --- stored and read back -------------------------------------------------------------


def test_np_limits_at_an_average_n_are_read_back_at_that_n() -> None:
    baseline = [Subgroup(count=c, sample_size=200) for c in NP_COUNTS]
    stored = compute_limits(ChartType.NP, baseline, 1)
    again = limits_from_stored(
        ChartType.NP, 1, stored.center_line, stored.ucl, stored.lcl, stored.sigma
    )
    assert again is not None
    assert again.summary_size == pytest.approx(200.0)
    # A sample of 200 is judged at p-bar = 0.0155 with n = 200, one of 100 at n = 100.
    assert point_limits(again, NOMINAL, 200).center_line == pytest.approx(3.1)
    at_100 = point_limits(again, NOMINAL, 100)
    p = 62 / 4000
    assert at_100.ucl == pytest.approx(100 * p + 3 * math.sqrt(100 * p * (1 - p)))


def test_np_limits_at_the_nominal_n_read_back_unchanged() -> None:
    baseline = [Subgroup(count=c, sample_size=50) for c in ORANGE_JUICE]
    stored = compute_limits(ChartType.NP, baseline, 50)
    again = limits_from_stored(
        ChartType.NP, 50, stored.center_line, stored.ucl, stored.lcl, stored.sigma
    )
    assert again is not None
    assert again.summary_n is None
