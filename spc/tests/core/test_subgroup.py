"""Subgroup validation: what each chart accepts, the REST field named, and its statistics."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spc.core.errors import InputError
from spc.core.estimators import subgroup_range, subgroup_stddev
from spc.core.subgroup import check_min_measurements, validate
from spc.core.types import ChartType, Subgroup, SubgroupMode

MODE = SubgroupMode.NOMINAL_TOLERANCE


def check(chart: ChartType, subgroup: Subgroup, n: int = 5, minimum: int = 1, warn=None):
    return validate(
        chart, MODE, subgroup, nominal_n=n, min_measurements=minimum, warn_below_count=warn
    )


def rejected(chart: ChartType, subgroup: Subgroup, **kwargs) -> InputError:
    with pytest.raises(InputError) as caught:
        check(chart, subgroup, **kwargs)
    return caught.value


def test_statistics_of_a_full_subgroup() -> None:
    got = check(ChartType.XBAR_S, Subgroup((1.0, 2.0, 3.0, 4.0, 10.0)))
    assert got.n == 5
    assert not got.is_undersized
    assert got.mean == pytest.approx(4.0)
    assert got.range == pytest.approx(9.0)
    assert got.std_dev == pytest.approx(math.sqrt(50 / 4))  # deviations -3,-2,-1,0,6


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_measurements_are_rejected(bad: float) -> None:
    assert rejected(ChartType.XBAR_R, Subgroup((1.0, bad, 2.0))).field == "measurements"


def test_non_numbers_are_rejected() -> None:
    error = rejected(ChartType.I_MR, Subgroup(("12",)))
    assert error.field == "measurements"
    assert rejected(ChartType.I_MR, Subgroup((True,))).field == "measurements"


def test_empty_subgroup_is_rejected() -> None:
    assert rejected(ChartType.XBAR_R, Subgroup(())).field == "measurements"


def test_oversized_subgroup_is_rejected() -> None:
    error = rejected(ChartType.XBAR_R, Subgroup((1.0,) * 6), n=5)
    assert error.field == "measurements"
    assert "At most 5" in error.message


def test_individuals_take_exactly_one_value() -> None:
    assert check(ChartType.I_MR, Subgroup((3.0,)), n=1).n == 1
    assert rejected(ChartType.I_MR, Subgroup((1.0, 2.0)), n=1).field == "measurements"
    assert rejected(ChartType.EWMA, Subgroup((1.0, 2.0)), n=1).field == "measurements"
    assert rejected(ChartType.CUSUM, Subgroup((1.0, 2.0)), n=1).field == "measurements"


def test_ewma_with_subgroups_accepts_up_to_n() -> None:
    assert check(ChartType.EWMA, Subgroup((1.0, 2.0, 3.0)), n=3).mean == pytest.approx(2.0)


def test_below_min_measurements_is_rejected() -> None:
    error = rejected(ChartType.XBAR_R, Subgroup((1.0, 2.0)), n=5, minimum=3)
    assert error.field == "measurements"
    assert "At least 3" in error.message


def test_undersized_flag_below_warn_count() -> None:
    # Validation case undersized_flag_warn_below_4: n = 5, min 2, warn below 4:
    # 3 -> undersized, 4 and 5 -> not.
    flags = [
        check(
            ChartType.XBAR_R, Subgroup((1.0, 2.0, 3.0, 4.0, 5.0)[:k]), minimum=2, warn=4
        ).is_undersized
        for k in (3, 4, 5)
    ]
    assert flags == [True, False, False]


def test_without_a_warn_count_anything_below_n_is_undersized() -> None:
    assert check(ChartType.XBAR_R, Subgroup((1.0, 2.0, 3.0, 4.0))).is_undersized
    assert not check(ChartType.XBAR_R, Subgroup((1.0, 2.0, 3.0, 4.0, 5.0))).is_undersized


def test_single_value_in_a_subgrouped_ewma_has_no_spread_statistics() -> None:
    # Was checked on an X-bar R chart, which now refuses one value (issue 26, point 7).
    got = check(ChartType.EWMA, Subgroup((4.0,)), n=3)
    assert got.range == 0.0
    assert got.std_dev is None


@pytest.mark.parametrize(
    ("chart", "message"),
    [
        (ChartType.XBAR_R, "An X̄-R subgroup needs at least 2 measurements to have a range"),
        (
            ChartType.XBAR_S,
            "An X̄-S subgroup needs at least 2 measurements to have a standard deviation",
        ),
    ],
)
def test_xbar_r_and_s_refuse_a_one_value_subgroup_whatever_min_measurements(
    chart: ChartType, message: str
) -> None:
    error = rejected(chart, Subgroup((4.0,)), n=5, minimum=1)
    assert error.field == "measurements"
    assert error.message.startswith(message)
    assert check(chart, Subgroup((4.0, 5.0)), n=5, minimum=1).range == pytest.approx(1.0)


@pytest.mark.parametrize("chart", [ChartType.XBAR_R, ChartType.XBAR_S])
def test_characteristic_min_measurements_below_two_is_refused_for_xbar_r_and_s(
    chart: ChartType,
) -> None:
    with pytest.raises(InputError) as caught:
        check_min_measurements(chart, 1)
    assert caught.value.field == "min_measurements"
    assert "at least 2 measurements" in caught.value.message
    check_min_measurements(chart, 2)


@pytest.mark.parametrize("chart", [ChartType.I_MR, ChartType.EWMA, ChartType.P])
def test_other_charts_accept_min_measurements_of_one(chart: ChartType) -> None:
    check_min_measurements(chart, 1)


def test_variables_chart_refuses_counts() -> None:
    assert rejected(ChartType.XBAR_R, Subgroup(count=3)).field == "measurements"


# --- attribute charts ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chart", "field"),
    [
        (ChartType.P, "defectives"),
        (ChartType.NP, "defectives"),
        (ChartType.C, "defects"),
        (ChartType.U, "defects"),
    ],
)
def test_attribute_count_is_required_and_not_negative(chart: ChartType, field: str) -> None:
    assert rejected(chart, Subgroup(sample_size=10)).field == field
    assert rejected(chart, Subgroup(count=-1, sample_size=10)).field == field
    assert rejected(chart, Subgroup(count=1.5, sample_size=10)).field == field
    assert rejected(chart, Subgroup(count=math.nan, sample_size=10)).field == field
    assert rejected(chart, Subgroup((1.0,), count=1, sample_size=10)).field == "measurements"


@pytest.mark.parametrize("chart", [ChartType.P, ChartType.NP, ChartType.U])
def test_sample_size_required_and_positive(chart: ChartType) -> None:
    assert rejected(chart, Subgroup(count=1)).field == "sample_size"
    assert rejected(chart, Subgroup(count=0, sample_size=0)).field == "sample_size"
    assert rejected(chart, Subgroup(count=0, sample_size=-5)).field == "sample_size"
    assert rejected(chart, Subgroup(count=0, sample_size=math.inf)).field == "sample_size"


@pytest.mark.parametrize("chart", [ChartType.P, ChartType.NP])
def test_more_defectives_than_inspected_is_rejected(chart: ChartType) -> None:
    assert rejected(chart, Subgroup(count=11, sample_size=10)).field == "defectives"
    assert check(chart, Subgroup(count=10, sample_size=10)).n == 10


def test_u_chart_takes_fractional_inspection_units() -> None:
    got = check(ChartType.U, Subgroup(count=7, sample_size=2.5))
    assert (got.n, got.count, got.sample_size) == (2.5, 7.0, 2.5)
    assert not got.is_undersized


def test_c_chart_needs_no_sample_size() -> None:
    got = check(ChartType.C, Subgroup(count=4))
    assert (got.n, got.count) == (1.0, 4.0)


def test_integer_measurements_become_floats() -> None:
    got = check(ChartType.XBAR_R, Subgroup((1, 2, 4)))
    assert got.measurements == (1.0, 2.0, 4.0)
    assert all(type(v) is float for v in got.measurements)
    assert got.mean == pytest.approx(7 / 3)


@given(
    st.floats(allow_nan=False, allow_infinity=False),
    st.one_of(st.none(), st.integers(0, 5)),
    st.integers(1, 5),
)
def test_an_individual_value_gets_the_statistics_of_the_general_definitions(
    value: float, warn: int | None, minimum: int
) -> None:
    got = check(ChartType.I_MR, Subgroup((value,)), n=1, minimum=minimum, warn=warn)
    assert got.n == 1.0
    assert got.mean == math.fsum([value]) / 1
    assert got.range == subgroup_range([value])
    assert got.std_dev == subgroup_stddev([value]) is None
    assert got.is_undersized == ((warn if warn is not None else 1) > 1)
    assert got.measurements == (value,)
