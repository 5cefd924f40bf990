"""Laney's p′ and u′ charts against the published method.

Method: Laney, D. B. (2002), "Improved control charts for attributes", Quality Engineering
14(4):531-537; the same formulas in Minitab's "Methods and formulas for Laney P' Chart"
(support.minitab.com): z_i = (p_i - p-bar)/sigma_pi, sigma_pi = sqrt(p-bar(1 - p-bar)/n_i),
sigma_Z = MR-bar(z)/1.128, limits p-bar +/- 3 sigma_pi sigma_Z (u′: sigma_ui = sqrt(u-bar/n_i)).
The paper's own data table could not be retrieved here, so the baselines below are built
so that every step can be worked by hand from those formulas (the working is in each
test); no expected number is read from the code under test.
"""

from __future__ import annotations

import math

import pytest

from spc.core.errors import ZeroSpreadError
from spc.core.evaluate import CharacteristicConfig, evaluate
from spc.core.limits import compute_limits, limits_from_stored, point_limits, sigma_of_statistic
from spc.core.recalc import recalculate
from spc.core.rules import ruleset_from_mapping
from spc.core.types import ChartType, RuleId, Subgroup, SubgroupMode
from spc.core.window import RollingWindow

# p-bar = 200/2000 = 0.1, sqrt(p-bar(1 - p-bar)) = 0.3: sigma_pi = 0.03 (n = 100), 0.01 (900).
# p_i = 0.13, 0.08, 0.07, 0.12 -> z_i = +1, -2, -1, +2; moving ranges 3, 1, 3; MR-bar = 7/3;
# sigma_Z = (7/3)/1.128 = 2.0685579...
P_BASELINE = [
    Subgroup(count=13, sample_size=100),
    Subgroup(count=72, sample_size=900),
    Subgroup(count=7, sample_size=100),
    Subgroup(count=108, sample_size=900),
]
P_SIGMA_Z = (7 / 3) / 1.128

# u-bar = 40/20 = 2: sigma_ui = sqrt(2/2) = 1 (n = 2 units), sqrt(2/8) = 0.5 (n = 8).
# u_i = 3, 1.5, 1, 2.5 -> z_i = +1, -1, -1, +1; moving ranges 2, 0, 2; MR-bar = 4/3;
# sigma_Z = (4/3)/1.128 = 1.1820330...
U_BASELINE = [
    Subgroup(count=6, sample_size=2),
    Subgroup(count=12, sample_size=8),
    Subgroup(count=2, sample_size=2),
    Subgroup(count=20, sample_size=8),
]
U_SIGMA_Z = (4 / 3) / 1.128


def test_p_prime_sigma_z_and_limits_follow_laneys_formulas() -> None:
    limits = compute_limits(ChartType.P_LANEY, P_BASELINE, 100)
    assert limits.center_line == pytest.approx(0.1, abs=1e-12)
    assert limits.sigma_z == pytest.approx(P_SIGMA_Z, rel=1e-12)
    # Limits for each n_i: 0.1 +/- 3 sigma_pi sigma_Z.
    at_100 = point_limits(limits, SubgroupMode.NOMINAL_TOLERANCE, 100)
    assert at_100.ucl == pytest.approx(0.1 + 3 * 0.03 * P_SIGMA_Z, abs=1e-12)  # 0.286170
    assert at_100.lcl == 0.0  # 0.1 - 0.186170 < 0: clipped
    at_900 = point_limits(limits, SubgroupMode.NOMINAL_TOLERANCE, 900)
    assert at_900.ucl == pytest.approx(0.1 + 3 * 0.01 * P_SIGMA_Z, abs=1e-12)  # 0.162057
    assert at_900.lcl == pytest.approx(0.1 - 3 * 0.01 * P_SIGMA_Z, abs=1e-12)  # 0.037943
    # The sigma of the plotted p at n_i is sigma_pi sigma_Z.
    assert sigma_of_statistic(limits, 900) == pytest.approx(0.01 * P_SIGMA_Z, rel=1e-12)


def test_p_prime_limits_are_the_p_limits_widened_by_sigma_z() -> None:
    p = compute_limits(ChartType.P, P_BASELINE, 100)
    laney = compute_limits(ChartType.P_LANEY, P_BASELINE, 100)
    for n in (100, 500, 900):
        classic = point_limits(p, SubgroupMode.NOMINAL_TOLERANCE, n)
        widened = point_limits(laney, SubgroupMode.NOMINAL_TOLERANCE, n)
        assert widened.center_line == classic.center_line
        assert widened.ucl - 0.1 == pytest.approx((classic.ucl - 0.1) * P_SIGMA_Z, rel=1e-12)


def test_u_prime_sigma_z_and_limits_follow_laneys_formulas() -> None:
    limits = compute_limits(ChartType.U_LANEY, U_BASELINE, 8)
    assert limits.center_line == pytest.approx(2.0, abs=1e-12)
    assert limits.sigma_z == pytest.approx(U_SIGMA_Z, rel=1e-12)
    at_8 = point_limits(limits, SubgroupMode.NOMINAL_TOLERANCE, 8)
    assert at_8.ucl == pytest.approx(2 + 3 * 0.5 * U_SIGMA_Z, abs=1e-12)  # 3.773050
    assert at_8.lcl == pytest.approx(2 - 3 * 0.5 * U_SIGMA_Z, abs=1e-12)  # 0.226950
    at_2 = point_limits(limits, SubgroupMode.NOMINAL_TOLERANCE, 2)
    assert at_2.ucl == pytest.approx(2 + 3 * 1.0 * U_SIGMA_Z, abs=1e-12)
    assert at_2.lcl == 0.0


def test_a_p_prime_point_is_judged_in_units_of_its_own_sigma() -> None:
    limits = compute_limits(ChartType.P_LANEY, P_BASELINE, 100)
    config = CharacteristicConfig(
        chart_type=ChartType.P_LANEY,
        subgroup_size=100,
        subgroup_mode=SubgroupMode.NOMINAL_TOLERANCE,
        min_measurements=1,
        warn_below_count=None,
        limits=limits,
        ruleset=ruleset_from_mapping({"1": {"severity": "CRITICAL"}}),
    )
    # 0.17 at n = 900: z = (0.17 - 0.1)/(0.01 sigma_Z) = 7/2.0686 = 3.384 > 3 -> rule 1.
    result = evaluate(RollingWindow(10), Subgroup(count=153, sample_size=900), config)
    assert result.point.value == pytest.approx(0.17)
    assert result.point.z == pytest.approx(7 / P_SIGMA_Z, rel=1e-9)
    assert [s.rule for s in result.signals] == [RuleId.BEYOND_LIMITS]
    # 0.16 at n = 900 is z = 2.90: inside the p′ limits (a p chart would put it at z = 6).
    inside = evaluate(RollingWindow(10), Subgroup(count=144, sample_size=900), config)
    assert inside.point.z == pytest.approx(6 / P_SIGMA_Z, rel=1e-9)
    assert inside.signals == ()


def test_stored_p_prime_limits_give_back_sigma_z() -> None:
    limits = compute_limits(ChartType.P_LANEY, P_BASELINE, 100)
    stored = limits_from_stored(
        ChartType.P_LANEY, 100, limits.center_line, limits.ucl, limits.lcl, limits.sigma
    )
    assert stored is not None
    assert stored.sigma_z == pytest.approx(P_SIGMA_Z, rel=1e-12)
    assert point_limits(stored, SubgroupMode.NOMINAL_TOLERANCE, 900) == point_limits(
        limits, SubgroupMode.NOMINAL_TOLERANCE, 900
    )


def test_a_baseline_whose_z_scores_do_not_vary_has_no_p_prime_limits() -> None:
    flat = [Subgroup(count=10, sample_size=100), Subgroup(count=10, sample_size=100)]
    with pytest.raises(ZeroSpreadError):
        compute_limits(ChartType.P_LANEY, flat, 100)
    with pytest.raises(ZeroSpreadError):
        compute_limits(ChartType.P_LANEY, [Subgroup(count=0, sample_size=100)] * 3, 100)


def test_laney_recalculation_keeps_every_point_of_an_overdispersed_baseline() -> None:
    # Every baseline z_i is within +/-2 of the p chart's sigma, so within 3 sigma_Z of the
    # p′ chart: nothing is dropped, and sigma_Z travels with the result.
    result = recalculate(ChartType.P_LANEY, P_BASELINE, 100, drop_out_of_control=True)
    assert result.dropped == ()
    assert result.limits.sigma_z == pytest.approx(P_SIGMA_Z)
    assert math.isfinite(result.limits.ucl)
