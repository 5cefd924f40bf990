"""compute_limits, limits_from_stored and point_limits: behaviour and properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from spc.core.errors import InputError, ZeroSpreadError
from spc.core.limits import compute_limits, limits_from_stored, point_limits
from spc.core.types import ChartLimits, ChartType, ControlLimits, Subgroup, SubgroupMode

NOMINAL = SubgroupMode.NOMINAL_TOLERANCE


def singles(values: list[float]) -> list[Subgroup]:
    return [Subgroup((v,)) for v in values]


# --- compute_limits -------------------------------------------------------------------


@pytest.mark.parametrize("chart", list(ChartType))
def test_fewer_than_two_subgroups_is_an_input_error(chart: ChartType) -> None:
    one = Subgroup((1.0, 2.0), count=1, sample_size=10)
    for baseline in ([], [one]):
        with pytest.raises(InputError) as caught:
            compute_limits(chart, baseline, 2)
        assert caught.value.field == "non_field_errors"


@pytest.mark.parametrize(
    ("chart", "baseline", "n"),
    [
        (ChartType.I_MR, singles([5.0] * 10), 1),
        (ChartType.XBAR_R, [Subgroup((2.0, 2.0, 2.0))] * 4, 3),
        (ChartType.XBAR_S, [Subgroup((2.0, 2.0, 2.0))] * 4, 3),
        (ChartType.EWMA, singles([5.0] * 10), 1),
        (ChartType.CUSUM, [Subgroup((2.0, 2.0))] * 4, 2),
        (ChartType.P, [Subgroup(count=0, sample_size=20)] * 5, 20),
        (ChartType.NP, [Subgroup(count=20, sample_size=20)] * 5, 20),
        (ChartType.C, [Subgroup(count=0)] * 5, 1),
        (ChartType.U, [Subgroup(count=0, sample_size=3)] * 5, 3),
    ],
)
def test_constant_data_raises_zero_spread(chart, baseline, n) -> None:
    with pytest.raises(ZeroSpreadError):
        compute_limits(chart, baseline, n)


def test_x_bar_limits_need_a_tabulated_subgroup_size() -> None:
    baseline = [Subgroup(tuple(float(i + j) for j in range(26))) for i in range(3)]
    with pytest.raises(InputError):
        compute_limits(ChartType.XBAR_R, baseline, 26)


def test_attribute_baseline_checks_counts() -> None:
    with pytest.raises(InputError):
        compute_limits(ChartType.P, [Subgroup(count=3, sample_size=2)] * 3, 2)
    with pytest.raises(InputError):
        compute_limits(ChartType.U, [Subgroup(count=3)] * 3, 1)
    with pytest.raises(InputError):
        compute_limits(ChartType.C, [Subgroup(count=None)] * 3, 1)


def test_variables_baseline_rejects_non_finite_values() -> None:
    with pytest.raises(InputError):
        compute_limits(ChartType.I_MR, singles([1.0, math.nan, 2.0]), 1)


def test_r_chart_lower_limit_from_d3() -> None:
    # n = 7: D3 = 0.076, D4 = 1.924 (printed table); R-bar = 6.
    baseline = [Subgroup((0.0, 6.0, 1.0, 2.0, 3.0, 4.0, 5.0)), Subgroup((1.0, 7.0) + (3.0,) * 5)]
    limits = compute_limits(ChartType.XBAR_R, baseline, 7)
    assert limits.secondary == ChartLimits(
        pytest.approx(6.0), pytest.approx(1.924 * 6), pytest.approx(0.076 * 6)
    )


def test_c_chart_lower_limit_is_clipped_at_zero() -> None:
    # c-bar = 2: 2 - 3 sqrt(2) < 0.
    limits = compute_limits(ChartType.C, [Subgroup(count=1), Subgroup(count=3)], 1)
    assert limits.lcl == 0.0
    assert limits.ucl == pytest.approx(2 + 3 * math.sqrt(2))


def test_undersized_subgroups_in_a_baseline_use_their_own_d2() -> None:
    # Ranges 4 (n=5) and 2 (n=3): sigma = (4/2.326 + 2/1.693)/2; the grand mean weighs
    # every value once: (0+1+2+3+4 + 5+6+7) / 8 = 3.5.
    baseline = [Subgroup((0.0, 1.0, 2.0, 3.0, 4.0)), Subgroup((5.0, 6.0, 7.0))]
    limits = compute_limits(ChartType.XBAR_R, baseline, 5)
    assert limits.sigma == pytest.approx((4 / 2.326 + 2 / 1.693) / 2)
    assert limits.center_line == pytest.approx(3.5)


def test_ewma_limits_are_asymptotic_around_the_target() -> None:
    values = [9.0, 11.0, 10.0, 12.0, 8.0]  # MR-bar = (2+1+2+4)/4 = 2.25
    limits = compute_limits(
        ChartType.EWMA, singles(values), 1, ewma_lambda=0.1, ewma_l=2.7, target=10.0
    )
    sigma = 2.25 / 1.128
    half = 2.7 * sigma * math.sqrt(0.1 / 1.9)
    assert limits.center_line == 10.0
    assert limits.sigma == pytest.approx(sigma)
    assert (limits.ucl, limits.lcl) == pytest.approx((10 + half, 10 - half))
    assert limits.secondary is None


def test_cusum_limits_are_plus_minus_h_sigma() -> None:
    values = [9.0, 11.0, 10.0, 12.0, 8.0]
    limits = compute_limits(ChartType.CUSUM, singles(values), 1, cusum_h=4.0)
    sigma = 2.25 / 1.128
    assert limits.center_line == pytest.approx(10.0)  # grand mean without a target
    assert (limits.ucl, limits.lcl) == pytest.approx((4 * sigma, -4 * sigma))


def test_ewma_with_subgroups_uses_the_pooled_sigma() -> None:
    baseline = [Subgroup((1.0, 2.0, 3.0)), Subgroup((0.0, 3.0))]
    limits = compute_limits(ChartType.EWMA, baseline, 3)
    c4_4 = math.sqrt(2 / 3) * math.gamma(2) / math.gamma(1.5)
    assert limits.sigma == pytest.approx(math.sqrt(6.5 / 3) / c4_4)


# Values on a 0.01 grid keep every difference far above the rounding of a large shift.
GRID = st.integers(-10_000, 10_000).map(lambda k: k / 100)


@given(
    st.lists(GRID, min_size=4, max_size=40),
    st.floats(-1e4, 1e4),
    st.floats(0.01, 1000),
)
def test_individuals_limits_shift_and_scale_with_the_data(values, shift, scale) -> None:
    assume(len(set(values)) > 1)
    base = compute_limits(ChartType.I_MR, singles(values), 1)
    moved = compute_limits(ChartType.I_MR, singles([shift + scale * v for v in values]), 1)
    tol = 1e-6 * (abs(shift) + scale * 100)
    assert moved.center_line == pytest.approx(shift + scale * base.center_line, abs=tol)
    assert moved.ucl == pytest.approx(shift + scale * base.ucl, abs=tol)
    assert moved.lcl == pytest.approx(shift + scale * base.lcl, abs=tol)
    assert moved.sigma == pytest.approx(scale * base.sigma, rel=1e-6)


@given(
    st.lists(
        st.lists(GRID, min_size=4, max_size=4),
        min_size=2,
        max_size=15,
    ),
    st.floats(-1e4, 1e4),
    st.floats(0.01, 1000),
    st.sampled_from([ChartType.XBAR_R, ChartType.XBAR_S]),
)
def test_subgroup_limits_shift_and_scale_with_the_data(groups, shift, scale, chart) -> None:
    assume(any(max(g) > min(g) for g in groups))
    base = compute_limits(chart, [Subgroup(tuple(g)) for g in groups], 4)
    moved_groups = [Subgroup(tuple(shift + scale * v for v in g)) for g in groups]
    moved = compute_limits(chart, moved_groups, 4)
    tol = 1e-6 * (abs(shift) + scale * 100)
    assert moved.center_line == pytest.approx(shift + scale * base.center_line, abs=tol)
    assert moved.ucl == pytest.approx(shift + scale * base.ucl, abs=tol)
    assert moved.sigma == pytest.approx(scale * base.sigma, rel=1e-6)
    assert base.secondary is not None
    assert moved.secondary is not None
    assert moved.secondary.ucl == pytest.approx(scale * base.secondary.ucl, rel=1e-6)


@given(st.floats(-1e6, 1e6), st.integers(2, 50))
def test_constant_series_raises_zero_spread_not_a_crash(value: float, count: int) -> None:
    with pytest.raises(ZeroSpreadError):
        compute_limits(ChartType.I_MR, singles([value] * count), 1)


# --- limits_from_stored ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("center", "ucl", "lcl"), [(None, 1.0, 0.0), (0.5, None, 0.0), (0.5, 1.0, None)]
)
def test_missing_stored_limits_mean_phase_one(center, ucl, lcl) -> None:
    assert limits_from_stored(ChartType.I_MR, 1, center, ucl, lcl, 1.0) is None


def test_degenerate_stored_limits_count_as_none() -> None:
    assert limits_from_stored(ChartType.I_MR, 1, 10.0, 10.0, 10.0, None) is None
    assert limits_from_stored(ChartType.I_MR, 1, 10.0, 10.0, 10.0, 0.0) is None


def test_stored_sigma_is_kept() -> None:
    secondary = ChartLimits(1.0, 2.0, 0.0)
    limits = limits_from_stored(ChartType.XBAR_R, 4, 10.0, 13.0, 7.0, 1.5, secondary)
    assert limits == ControlLimits(ChartType.XBAR_R, 10.0, 13.0, 7.0, 1.5, 4, secondary)


def test_sigma_derived_from_variables_limits() -> None:
    # Validation case zone_params_from_stored_limits: UCL 106, LCL 94 -> CL 100, sigma 2
    # (of the plotted statistic); for n = 4 the per-observation sigma is 2 * sqrt(4) = 4.
    assert limits_from_stored(ChartType.I_MR, 1, 100.0, 106.0, 94.0, None).sigma == 2.0
    assert limits_from_stored(ChartType.XBAR_R, 4, 100.0, 106.0, 94.0, None).sigma == 4.0


def test_sigma_derived_for_attribute_charts() -> None:
    p = limits_from_stored(ChartType.P, 50, 0.2, 0.37, 0.03, None)
    assert p.sigma == pytest.approx(0.4)  # sqrt(0.2 * 0.8)
    np_ = limits_from_stored(ChartType.NP, 50, 10.0, 18.5, 1.5, None)
    assert np_.sigma == pytest.approx(0.4)
    c = limits_from_stored(ChartType.C, 1, 16.0, 28.0, 4.0, None)
    assert c.sigma == pytest.approx(4.0)


def test_sigma_derived_for_ewma_and_cusum() -> None:
    half = 2.7 * 2.0 * math.sqrt(0.1 / 1.9)  # L sigma sqrt(lambda/(2-lambda)), sigma = 2
    ewma = limits_from_stored(
        ChartType.EWMA, 1, 10.0, 10 + half, 10 - half, None, ewma_lambda=0.1, ewma_l=2.7
    )
    assert ewma.sigma == pytest.approx(2.0)
    cusum = limits_from_stored(ChartType.CUSUM, 4, 10.0, 5.0, -5.0, None, cusum_h=5.0)
    assert cusum.sigma == pytest.approx(2.0)  # H = h sigma / sqrt(n) = 5 * 2 / 2


# --- point_limits ---------------------------------------------------------------------

XBAR = ControlLimits(ChartType.XBAR_R, 100.0, 115.0, 85.0, 10.0, 4)


def test_nominal_tolerance_uses_the_stored_limits() -> None:
    assert point_limits(XBAR, NOMINAL, 2) == ChartLimits(100.0, 115.0, 85.0)


@pytest.mark.parametrize(("n_i", "half"), [(1, 30.0), (4, 15.0), (9, 10.0), (25, 6.0), (100, 3.0)])
def test_variable_limits_funnel(n_i: int, half: float) -> None:
    # CL +/- 3 sigma / sqrt(n_i) with sigma = 10.
    at = point_limits(XBAR, SubgroupMode.VARIABLE_LIMITS, n_i)
    assert (at.center_line, at.ucl, at.lcl) == pytest.approx((100, 100 + half, 100 - half))


def test_standardized_limits_are_plus_minus_three() -> None:
    assert point_limits(XBAR, SubgroupMode.STANDARDIZED, 3) == ChartLimits(0.0, 3.0, -3.0)


def test_attribute_point_limits_follow_the_sample_size() -> None:
    sigma = math.sqrt(0.1 * 0.9)
    p = ControlLimits(ChartType.P, 0.1, 0.0, 0.0, sigma, 100)
    at = point_limits(p, NOMINAL, 400)
    assert (at.ucl, at.lcl) == pytest.approx((0.1 + 3 * sigma / 20, 0.1 - 3 * sigma / 20))
    np_ = ControlLimits(ChartType.NP, 10.0, 0.0, 0.0, sigma, 100)
    at = point_limits(np_, NOMINAL, 400)
    assert at.center_line == pytest.approx(40.0)
    assert at.ucl == pytest.approx(40 + 3 * sigma * 20)
    u = ControlLimits(ChartType.U, 2.0, 0.0, 0.0, math.sqrt(2.0), 1)
    at = point_limits(u, SubgroupMode.VARIABLE_LIMITS, 8)
    assert (at.ucl, at.lcl) == pytest.approx((3.5, 0.5))  # 2 +/- 3 sqrt(2/8)
    at = point_limits(u, SubgroupMode.VARIABLE_LIMITS, 2)
    assert (at.ucl, at.lcl) == pytest.approx((5.0, 0.0))  # 2 - 3 < 0: clipped
