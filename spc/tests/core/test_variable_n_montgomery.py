"""Montgomery's variable-n X-bar S chart (Introduction to Statistical Quality Control,
6th/7th ed., §6.3.2, Example 6.4, Table 6.4), and the other two variable-n methods.

Table 6.4 is the piston-ring data of Table 6.3 with some observations removed (n_i = 3 to
5). Samples 1-22 below are as printed in Table 6.4 (their printed x-bar_i and s_i agree
with these values); samples 23-25 are Table 6.3's, complete (n = 5), which with the rest
give the book's totals: sum n_i = 113, x-double-bar = sum n_i x-bar_i / sum n_i = 74.001 and
s-bar = sqrt(sum (n_i - 1) s_i^2 / sum (n_i - 1)) = sqrt(0.009324 / 88) = 0.0103. The book's
limits are x-double-bar +/- A3(n_i) s-bar and B3(n_i) s-bar .. B4(n_i) s-bar with the printed
A3(3) = 1.954, A3(4) = 1.628, A3(5) = 1.427, B4(3) = 2.568, B4(4) = 2.266, B4(5) = 2.089,
B3 = 0 (n <= 5): e.g. n = 5: 74.001 +/- 1.427(0.0103) = 73.986 .. 74.016, S chart 0 ..
0.0215; n = 3: 73.981 .. 74.021, S chart 0 .. 0.0265.
"""

from __future__ import annotations

import math

import pytest
from scipy.special import gammaln

from spc.core.errors import InputError
from spc.core.evaluate import CharacteristicConfig, evaluate
from spc.core.limits import compute_limits, limits_from_stored, point_limits
from spc.core.recalc import recalculate
from spc.core.rules import ruleset_from_mapping
from spc.core.types import (
    SECONDARY_BEYOND_LIMITS,
    ChartType,
    Subgroup,
    SubgroupMode,
    VariableNMethod,
)
from spc.core.widths import check_variable_n_method, secondary_point_limits
from spc.core.window import RollingWindow

TABLE_6_4 = [
    (74.030, 74.002, 74.019, 73.992, 74.008),
    (73.995, 73.992, 74.001),
    (73.988, 74.024, 74.021, 74.005, 74.002),
    (74.002, 73.996, 73.993, 74.015, 74.009),
    (73.992, 74.007, 74.015, 73.989, 74.014),
    (74.009, 73.994, 73.997, 73.985),
    (73.995, 74.006, 73.994, 74.000),
    (73.985, 74.003, 73.993, 74.015, 73.988),
    (74.008, 73.995, 74.009, 74.005),
    (73.998, 74.000, 73.990, 74.007, 73.995),
    (73.994, 73.998, 73.994, 73.995, 73.990),
    (74.004, 74.000, 74.007, 74.000, 73.996),
    (73.983, 74.002, 73.998),
    (74.006, 73.967, 73.994, 74.000, 73.984),
    (74.012, 74.014, 73.998),
    (74.000, 73.984, 74.005, 73.998, 73.996),
    (73.994, 74.012, 73.986, 74.005),
    (74.006, 74.010, 74.018, 74.003, 74.000),
    (73.984, 74.002, 74.003, 74.005, 73.997),
    (74.000, 74.010, 74.013),
    (73.982, 74.001, 74.015, 74.005, 73.996),
    (74.004, 73.999, 73.990, 74.006, 74.009),
    (74.010, 73.989, 73.990, 74.009, 74.014),
    (74.015, 74.008, 73.993, 74.000, 74.010),
    (73.982, 73.984, 73.995, 74.017, 74.013),
]
BASELINE = [Subgroup(g) for g in TABLE_6_4]
X_BAR_BAR, S_BAR = 74.001, 0.0103
A3 = {3: 1.954, 4: 1.628, 5: 1.427}
B4 = {3: 2.568, 4: 2.266, 5: 2.089}


@pytest.fixture(scope="module")
def montgomery() -> object:
    return compute_limits(ChartType.XBAR_S, BASELINE, 5, variable_n=VariableNMethod.MONTGOMERY)


def test_example_6_4_centre_lines_are_the_books(montgomery: object) -> None:
    assert sum(len(g) for g in TABLE_6_4) == 113
    assert montgomery.center_line == pytest.approx(X_BAR_BAR, abs=5e-4)
    assert montgomery.secondary.center_line == pytest.approx(S_BAR, abs=5e-5)


@pytest.mark.parametrize("n", [3, 4, 5])
def test_example_6_4_limits_for_each_subgroup_size(montgomery: object, n: int) -> None:
    at = point_limits(montgomery, SubgroupMode.VARIABLE_LIMITS, n)
    # Printed to three decimals from the rounded x-double-bar and s-bar: allow 1e-3.
    assert at.ucl == pytest.approx(X_BAR_BAR + A3[n] * S_BAR, abs=1e-3)
    assert at.lcl == pytest.approx(X_BAR_BAR - A3[n] * S_BAR, abs=1e-3)
    s_chart = secondary_point_limits(montgomery, SubgroupMode.VARIABLE_LIMITS, n)
    assert s_chart is not None
    assert s_chart.center_line == pytest.approx(S_BAR, abs=5e-5)
    assert s_chart.ucl == pytest.approx(B4[n] * S_BAR, abs=1.5e-4)
    assert s_chart.lcl == 0.0


def test_example_6_4_is_in_control_so_no_sample_is_dropped() -> None:
    result = recalculate(
        ChartType.XBAR_S,
        BASELINE,
        5,
        drop_out_of_control=True,
        variable_n=VariableNMethod.MONTGOMERY,
    )
    assert result.dropped == ()


def test_a_three_value_subgroup_is_judged_against_the_n_3_limits(montgomery: object) -> None:
    config = CharacteristicConfig(
        chart_type=ChartType.XBAR_S,
        subgroup_size=5,
        subgroup_mode=SubgroupMode.VARIABLE_LIMITS,
        min_measurements=2,
        warn_below_count=None,
        limits=montgomery,
        ruleset=ruleset_from_mapping({"1": {"severity": "CRITICAL"}}),
    )
    # x-bar = 74.019: beyond the n = 5 UCL (74.016) but inside the n = 3 one (74.021).
    inside = evaluate(RollingWindow(5), Subgroup((74.019, 74.019, 74.019 + 1e-9)), config)
    assert inside.point.ucl == pytest.approx(X_BAR_BAR + A3[3] * S_BAR, abs=1e-3)
    assert inside.signals == ()
    # s = 0.025 with n = 3: inside B4(3) s-bar = 0.0265; with n = 5 it would be beyond 0.0215.
    spread = (73.976, 74.001, 74.026)
    assert [s.rule for s in evaluate(RollingWindow(5), Subgroup(spread), config).signals] == []
    wide = (73.966, 74.001, 74.036)  # s = 0.035: beyond 0.0265
    signals = evaluate(RollingWindow(5), Subgroup(wide), config).signals
    assert [s.rule for s in signals] == [SECONDARY_BEYOND_LIMITS]


def test_the_method_survives_storage(montgomery: object) -> None:
    m = montgomery
    stored = limits_from_stored(
        ChartType.XBAR_S,
        5,
        m.center_line,
        m.ucl,
        m.lcl,
        m.sigma,
        m.secondary,
        variable_n=VariableNMethod.MONTGOMERY,
    )
    assert stored is not None
    for n in (3, 4, 5):
        assert point_limits(stored, SubgroupMode.VARIABLE_LIMITS, n) == point_limits(
            m,
            SubgroupMode.VARIABLE_LIMITS,
            n,
        )


def test_pooled_method_uses_the_pooled_standard_deviation_over_c4() -> None:
    # Oracle: s_p = sqrt(sum (n_i - 1) s_i^2 / sum (n_i - 1)) with d = 88 degrees of
    # freedom, c4(d + 1) from the gamma function (scipy), sigma = s_p / c4(89).
    squares = 0.0
    for g in TABLE_6_4:
        mean = sum(g) / len(g)
        squares += sum((x - mean) ** 2 for x in g)
    s_p = math.sqrt(squares / 88)
    c4_89 = math.sqrt(2 / 88) * math.exp(gammaln(89 / 2) - gammaln(88 / 2))
    limits = compute_limits(ChartType.XBAR_S, BASELINE, 5, variable_n=VariableNMethod.POOLED)
    assert limits.sigma == pytest.approx(s_p / c4_89, rel=1e-9)
    at_3 = point_limits(limits, SubgroupMode.VARIABLE_LIMITS, 3)
    assert at_3.ucl - limits.center_line == pytest.approx(3 * s_p / c4_89 / math.sqrt(3))


def test_unbiased_method_is_the_default_and_unchanged() -> None:
    default = compute_limits(ChartType.XBAR_S, BASELINE, 5)
    chosen = compute_limits(ChartType.XBAR_S, BASELINE, 5, variable_n=VariableNMethod.UNBIASED)
    assert default == chosen
    # Oracle: mean of s_i / c4(n_i), Montgomery's c4(3) = 0.8862, c4(4) = 0.9213, c4(5) = 0.9400.
    c4 = {3: 0.8862, 4: 0.9213, 5: 0.9400}
    stds = [
        (len(g), math.sqrt(sum((x - sum(g) / len(g)) ** 2 for x in g) / (len(g) - 1)))
        for g in TABLE_6_4
    ]
    expected = sum(s / c4[n] for n, s in stds) / len(stds)
    assert default.sigma == pytest.approx(expected, rel=1e-3)


def test_montgomerys_method_needs_an_x_bar_s_chart() -> None:
    with pytest.raises(InputError) as caught:
        check_variable_n_method(ChartType.XBAR_R, VariableNMethod.MONTGOMERY)
    assert caught.value.field == "variable_n_method"
    check_variable_n_method(ChartType.XBAR_R, VariableNMethod.POOLED)
