"""Configurable limit width k sigma: published charts recomputed at another k, z kept in
sigma units, rule 1 at the drawn limits, and k = 3 leaving every result as it was.

Sources: NIST/SEMATECH e-Handbook §6.3.2.2 (flow rate individuals chart: x-bar = 50.81,
MR-bar = 1.8778, sigma = MR-bar/1.128); Montgomery's piston rings as distributed with R's
qcc (centre 74.00118, sigma R-bar/d2 = 0.009785039, n = 5); Montgomery's table of d2, d3
(d2(2) = 1.128, d3(2) = 0.853). Limits at k: CL +/- k sigma/sqrt(n) (Minitab's "K" of
test 1 places the limits the same way); MR chart UCL = MR-bar (1 + k d3(2)/d2(2)).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from spc.core.errors import InputError
from spc.core.evaluate import CharacteristicConfig, evaluate
from spc.core.limits import compute_limits, limits_from_stored, point_limits
from spc.core.rules import ruleset_from_mapping
from spc.core.types import ChartType, RuleId, Subgroup, SubgroupMode
from spc.core.widths import check_limit_sigma
from spc.core.window import RollingWindow
from spc.tests.core.test_limits_reference import PISTON_RINGS_QCC

FLOW = [49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1]
NIST_SIGMA = 1.8778 / 1.128


def test_nist_individuals_chart_at_two_sigma() -> None:
    limits = compute_limits(ChartType.I_MR, [Subgroup((x,)) for x in FLOW], 1, k=2.0)
    assert limits.ucl == pytest.approx(50.81 + 2 * NIST_SIGMA, abs=5e-4)  # 54.1394
    assert limits.lcl == pytest.approx(50.81 - 2 * NIST_SIGMA, abs=5e-4)  # 47.4806
    assert limits.secondary is not None
    assert limits.secondary.ucl == pytest.approx(1.8778 * (1 + 2 * 0.853 / 1.128), abs=5e-4)
    assert limits.secondary.lcl == 0.0


def test_piston_rings_x_bar_r_at_two_and_a_half_sigma() -> None:
    groups = [Subgroup(g) for g in PISTON_RINGS_QCC]
    limits = compute_limits(ChartType.XBAR_R, groups, 5, k=2.5)
    half = 2.5 * 0.009785039 / math.sqrt(5)
    assert limits.ucl == pytest.approx(74.00118 + half, abs=5e-6)
    assert limits.lcl == pytest.approx(74.00118 - half, abs=5e-6)
    assert limits.k == 2.5


def test_p_chart_at_k_two() -> None:
    # p-bar = 20/400 = 0.05; at n = 100: 0.05 +/- 2 sqrt(0.05 * 0.95 / 100) = 0.05 +/- 0.043589.
    baseline = [Subgroup(count=c, sample_size=100) for c in (3, 7, 4, 6)]
    limits = compute_limits(ChartType.P, baseline, 100, k=2.0)
    assert limits.ucl == pytest.approx(0.05 + 2 * math.sqrt(0.05 * 0.95 / 100), abs=1e-12)
    assert limits.lcl == pytest.approx(0.05 - 2 * math.sqrt(0.05 * 0.95 / 100), abs=1e-12)


def _config(limits: object, mode: SubgroupMode = SubgroupMode.NOMINAL_TOLERANCE) -> object:
    return CharacteristicConfig(
        chart_type=ChartType.I_MR,
        subgroup_size=1,
        subgroup_mode=mode,
        min_measurements=1,
        warn_below_count=None,
        limits=limits,
        ruleset=ruleset_from_mapping({"1": {"severity": "CRITICAL"}}),
    )


def test_z_stays_in_sigma_units_and_rule_1_fires_beyond_the_drawn_limits() -> None:
    # CL 10, sigma 1, limits at 2.5 sigma: 7.5 .. 12.5.
    limits = limits_from_stored(ChartType.I_MR, 1, 10.0, 12.5, 7.5, 1.0, k=2.5)
    config = _config(limits)
    beyond = evaluate(RollingWindow(5), Subgroup((12.8,)), config)
    assert beyond.point.z == pytest.approx(2.8)  # not 2.8 * 3 / 2.5
    assert [s.rule for s in beyond.signals] == [RuleId.BEYOND_LIMITS]
    on = evaluate(RollingWindow(5), Subgroup((12.5,)), config)
    assert on.signals == ()  # on the limit is not beyond it
    # The same point at k = 3 (limits 7 .. 13) is inside.
    wide = limits_from_stored(ChartType.I_MR, 1, 10.0, 13.0, 7.0, 1.0)
    assert evaluate(RollingWindow(5), Subgroup((12.8,)), _config(wide)).signals == ()


def test_standardized_and_variable_limits_follow_k() -> None:
    limits = limits_from_stored(ChartType.XBAR_R, 4, 10.0, 12.0, 8.0, 2.0, k=2.0)
    assert limits is not None
    assert point_limits(limits, SubgroupMode.STANDARDIZED, 3).ucl == 2.0
    assert point_limits(limits, SubgroupMode.VARIABLE_LIMITS, 1).ucl == pytest.approx(14.0)


@pytest.mark.parametrize("bad", [0.0, -1.0, 6.5, math.nan, math.inf])
def test_a_limit_width_outside_0_to_6_is_refused(bad: float) -> None:
    with pytest.raises(InputError) as caught:
        check_limit_sigma(bad)
    assert caught.value.field == "limit_sigma"


CASES = Path(__file__).parent / "data" / "reference-cases.json"


def _baselines() -> list[tuple[ChartType, list[Subgroup], int]]:
    groups = [Subgroup(g) for g in PISTON_RINGS_QCC]
    counts = [Subgroup(count=c, sample_size=n) for c, n in ((3, 90), (7, 110), (4, 100))]
    return [
        (ChartType.XBAR_R, groups, 5),
        (ChartType.XBAR_S, groups, 5),
        (ChartType.I_MR, [Subgroup((x,)) for x in FLOW], 1),
        (ChartType.P, counts, 100),
        (ChartType.NP, counts, 100),
        (ChartType.U, counts, 100),
        (ChartType.C, counts, 100),
    ]


@pytest.mark.parametrize(("chart", "baseline", "n"), _baselines())
def test_k_three_is_exactly_the_default(chart: ChartType, baseline: list[Subgroup], n: int) -> None:
    assert compute_limits(chart, baseline, n, k=3.0) == compute_limits(chart, baseline, n)


def test_the_held_out_reference_file_is_present_for_the_reference_tests() -> None:
    # The reference cases (test_limits_reference.py, test_rules_reference.py) run with the
    # default k = 3; this test only guards that their data is where they read it.
    assert json.loads(CASES.read_text())["cases"]
