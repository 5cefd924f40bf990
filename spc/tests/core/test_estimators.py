"""Sigma estimators, with hand-worked values (constants from the printed table)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spc.core import estimators
from spc.core.errors import InputError, ZeroSpreadError


def test_sigma_from_ranges_is_rbar_over_d2() -> None:
    # R-bar = (1 + 2 + 3) / 3 = 2; d2(4) = 2.059.
    assert estimators.sigma_from_ranges([1.0, 2.0, 3.0], 4) == pytest.approx(2 / 2.059)


def test_sigma_from_stddevs_is_sbar_over_c4() -> None:
    # S-bar = 0.5; c4(5) = 0.9400.
    assert estimators.sigma_from_stddevs([0.4, 0.6], 5) == pytest.approx(0.5 / 0.9400)


def test_moving_ranges_span_2_and_3() -> None:
    values = [10.0, 12.0, 11.0, 13.0, 10.0]
    assert estimators.moving_ranges(values) == [2.0, 1.0, 2.0, 3.0]
    assert estimators.moving_ranges(values, span=3) == [2.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="at least 2"):
        estimators.moving_ranges(values, span=1)


def test_sigma_from_moving_ranges_uses_the_printed_d2() -> None:
    # MR-bar = 8 / 4 = 2 over d2(2) = 1.128, as the NIST handbook divides.
    assert estimators.sigma_from_moving_ranges([10.0, 12.0, 11.0, 13.0, 10.0]) == pytest.approx(
        2 / 1.128
    )


def test_unequal_subgroups_weigh_each_range_with_its_own_d2() -> None:
    groups = [(1.0, 3.0), (0.0, 1.0, 4.0, 2.0, 3.0)]  # R = 2 (n=2), 4 (n=5)
    expected = (2 / 1.128 + 4 / 2.326) / 2
    assert estimators.sigma_from_subgroup_ranges(groups) == pytest.approx(expected)


def test_equal_subgroups_give_the_textbook_rbar_and_sbar() -> None:
    groups = [(1.0, 2.0, 4.0), (2.0, 2.0, 5.0), (0.0, 3.0, 3.0)]
    r_bar = (3 + 3 + 3) / 3
    assert estimators.sigma_from_subgroup_ranges(groups) == pytest.approx(r_bar / 1.693)
    s = [math.sqrt(7 / 3), math.sqrt(3.0), math.sqrt(3.0)]  # sample standard deviations
    assert estimators.sigma_from_subgroup_stddevs(groups) == pytest.approx(sum(s) / 3 / 0.8862)


def test_single_values_do_not_enter_within_subgroup_estimates() -> None:
    groups = [(5.0,), (1.0, 3.0)]
    assert estimators.sigma_from_subgroup_ranges(groups) == pytest.approx(2 / 1.128)
    with pytest.raises(InputError):
        estimators.sigma_from_subgroup_ranges([(5.0,), (6.0,)])


def test_pooled_sigma() -> None:
    # s1^2 = 1 (n=3: 1,2,3), s2^2 = 4.5 (n=2: 0,3); pooled = sqrt((2*1 + 1*4.5)/3).
    groups = [(1.0, 2.0, 3.0), (0.0, 3.0)]
    c4_4 = math.sqrt(2 / 3) * math.gamma(2) / math.gamma(1.5)  # c4(d = 3 + 1)
    assert estimators.sigma_pooled(groups) == pytest.approx(math.sqrt(6.5 / 3) / c4_4)


def test_overall_sigma_is_the_sample_standard_deviation() -> None:
    assert estimators.overall_sigma([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]) == pytest.approx(
        math.sqrt(32 / 7)
    )
    with pytest.raises(InputError):
        estimators.overall_sigma([1.0])


@pytest.mark.parametrize(
    "call",
    [
        lambda: estimators.sigma_from_ranges([0.0, 0.0], 5),
        lambda: estimators.sigma_from_stddevs([0.0, 0.0], 5),
        lambda: estimators.sigma_from_moving_ranges([3.0, 3.0, 3.0]),
        lambda: estimators.sigma_from_subgroup_ranges([(2.0, 2.0), (1.0, 1.0)]),
        lambda: estimators.sigma_pooled([(2.0, 2.0), (1.0, 1.0)]),
        lambda: estimators.overall_sigma([4.0, 4.0, 4.0]),
    ],
)
def test_zero_spread_raises_the_zero_spread_error(call) -> None:
    with pytest.raises(ZeroSpreadError) as caught:
        call()
    assert caught.value.field == "non_field_errors"
    assert "zero spread" in caught.value.message


def test_empty_input_is_an_input_error() -> None:
    with pytest.raises(InputError):
        estimators.sigma_from_ranges([], 5)
    with pytest.raises(InputError):
        estimators.sigma_from_moving_ranges([1.0])


@given(
    # Whole numbers keep every difference far above the rounding of a large shift.
    st.lists(st.integers(-1000, 1000), min_size=3, max_size=30, unique=True),
    st.floats(-1e3, 1e3),
    st.floats(0.01, 100),
)
def test_moving_range_sigma_is_shift_invariant_and_scales(
    values: list[int], shift: float, scale: float
) -> None:
    base = estimators.sigma_from_moving_ranges(values)
    moved = estimators.sigma_from_moving_ranges([shift + scale * v for v in values])
    assert moved == pytest.approx(scale * base, rel=1e-6)


def test_equal_values_have_exactly_zero_spread() -> None:
    # 0.1 * 3 is not 0.3 in floats: a rounded mean must not leave a tiny positive sigma.
    groups = [(0.1, 0.1, 0.1), (0.7, 0.7, 0.7)]
    assert estimators.sample_variance(groups[0]) == 0.0
    assert estimators.subgroup_stddev(groups[0]) == 0.0
    with pytest.raises(ZeroSpreadError):
        estimators.sigma_from_subgroup_stddevs(groups)
    with pytest.raises(ZeroSpreadError):
        estimators.sigma_pooled(groups)
