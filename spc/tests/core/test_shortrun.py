"""Short-run charts (DNOM, Z-MR) against Montgomery's worked example and by property.

Reference: D. C. Montgomery, *Introduction to Statistical Quality Control*, 6th ed.
(Wiley, 2009), section 10.1.1 "Deviation from Nominal (DNOM) X-bar and R charts",
Table 10.1: two part numbers on one machine, part A with nominal T_A = 50 mm and part B
with T_B = 25 mm, subgroups of n = 3, samples 1-4 of part A and 5-10 of part B. The text
reports x-double-bar = 0.17 and R-bar = 2.7 for the deviations, and the X-bar and R
limits follow from the tabulated factors for n = 3 (A2 = 1.023, D3 = 0, D4 = 2.574;
Montgomery Appendix Table VI). The expected numbers below are computed from those printed
figures, not from the code under test.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spc.core import rules, shortrun
from spc.core.errors import InputError
from spc.core.evaluate import CharacteristicConfig, evaluate, window_capacity
from spc.core.recalc import recalculate
from spc.core.types import ChartType, ControlLimits, PartStandard, Subgroup, SubgroupMode
from spc.core.window import RollingWindow

# Montgomery Table 10.1: (part, M1, M2, M3) with T_A = 50, T_B = 25.
TABLE_10_1 = [
    ("A", 50, 51, 52),
    ("A", 49, 50, 51),
    ("A", 48, 49, 52),
    ("A", 49, 53, 51),
    ("B", 24, 27, 26),
    ("B", 25, 27, 24),
    ("B", 27, 26, 23),
    ("B", 25, 24, 23),
    ("B", 24, 25, 25),
    ("B", 26, 24, 25),
]
NOMINALS = {"A": PartStandard(50.0), "B": PartStandard(25.0)}
# As printed in the table's x-bar column (deviations, two decimals) and R column.
PRINTED_XBAR = [1.00, 0.00, -0.33, 1.00, 0.67, 0.33, 0.33, -1.00, -0.33, 0.00]
PRINTED_R = [2, 2, 4, 4, 3, 3, 4, 2, 1, 2]
XBARBAR, RBAR = 0.17, 2.7  # the text's summary figures
A2_3, D4_3 = 1.023, 2.574  # Appendix Table VI, n = 3


def table_subgroups() -> list[Subgroup]:
    return [Subgroup(tuple(map(float, m)), part=NOMINALS[p]) for p, *m in TABLE_10_1]


def dnom_config(n: int = 3, limits: ControlLimits | None = None) -> CharacteristicConfig:
    return CharacteristicConfig(
        chart_type=ChartType.DNOM,
        subgroup_size=n,
        subgroup_mode=SubgroupMode.NOMINAL_TOLERANCE,
        min_measurements=n,
        warn_below_count=None,
        limits=limits,
        ruleset=rules.NELSON,
    )


def post(config: CharacteristicConfig, subgroups: list[Subgroup]) -> list:
    window = RollingWindow(window_capacity(config))
    points = []
    for i, subgroup in enumerate(subgroups):
        result = evaluate(window, subgroup, config)
        window.append(result.point, i)
        points.append(result)
    return points


def test_dnom_plots_montgomerys_deviation_means_and_ranges() -> None:
    points = post(dnom_config(), table_subgroups())
    assert [round(p.point.value, 2) for p in points] == PRINTED_XBAR
    assert [p.point.secondary_value for p in points] == PRINTED_R


def test_dnom_limits_from_the_deviations_match_montgomery() -> None:
    result = recalculate(ChartType.DNOM, table_subgroups(), 3)
    limits = result.limits
    assert limits.center_line == pytest.approx(XBARBAR, abs=0.005)
    assert limits.ucl == pytest.approx(XBARBAR + A2_3 * RBAR, abs=0.01)  # 2.93
    assert limits.lcl == pytest.approx(XBARBAR - A2_3 * RBAR, abs=0.01)  # -2.59
    assert limits.secondary is not None
    assert limits.secondary.center_line == pytest.approx(RBAR)
    assert limits.secondary.ucl == pytest.approx(D4_3 * RBAR, abs=0.005)  # 6.95
    assert limits.secondary.lcl == 0.0


def test_dnom_with_montgomerys_limits_finds_the_process_in_control() -> None:
    # The text's conclusion: no point beyond the limits on either chart.
    limits = recalculate(ChartType.DNOM, table_subgroups(), 3).limits
    points = post(dnom_config(limits=limits), table_subgroups())
    assert all(not p.signals for p in points)
    assert all(p.point.lcl < p.point.value < p.point.ucl for p in points)


def test_dnom_of_individuals_is_i_mr_of_the_deviations() -> None:
    values = [50.2, 24.9, 25.3, 49.6]
    parts = [NOMINALS["A"], NOMINALS["B"], NOMINALS["B"], NOMINALS["A"]]
    subgroups = [Subgroup((x,), part=p) for x, p in zip(values, parts, strict=True)]
    points = post(dnom_config(1), subgroups)
    devs = [0.2, -0.1, 0.3, -0.4]
    assert [p.point.value for p in points] == pytest.approx(devs)
    # The moving range runs across parts: |dev_i - dev_{i-1}| on the combined series.
    assert points[0].point.secondary_value is None
    assert [p.point.secondary_value for p in points[1:]] == pytest.approx([0.3, 0.4, 0.7])


def test_z_mr_uses_the_known_limits_whatever_is_stored() -> None:
    config = replace(
        dnom_config(1),
        chart_type=ChartType.Z_MR,
        limits=ControlLimits(ChartType.Z_MR, 5.0, 9.0, 1.0, 2.0, 1),
    )
    part = PartStandard(10.0, 0.5)
    points = post(config, [Subgroup((11.0,), part=part), Subgroup((8.0,), part=part)])
    first, second = points[0].point, points[1].point
    assert (first.value, first.center_line, first.ucl, first.lcl) == (2.0, 0.0, 3.0, -3.0)
    assert first.z == pytest.approx(2.0)
    assert second.value == pytest.approx(-4.0)  # (8 - 10) / 0.5, beyond -3
    assert second.secondary_value == pytest.approx(6.0)
    assert [s.rule for s in points[1].signals] == [1, 101]  # MR 6 > 3.267 x 1.128 too


def test_z_mr_known_limits_are_montgomerys_sigma_known_mr_limits() -> None:
    limits = shortrun.z_limits()
    assert (limits.center_line, limits.ucl, limits.lcl, limits.sigma) == (0.0, 3.0, -3.0, 1.0)
    assert limits.secondary is not None
    # d2(2) = 1.128, D4(2) = 3.267 (Montgomery Appendix Table VI).
    assert limits.secondary.center_line == pytest.approx(1.128)
    assert limits.secondary.ucl == pytest.approx(3.267 * 1.128)
    assert limits.secondary.lcl == 0.0


def test_z_mr_recalculation_gives_the_known_limits() -> None:
    part = PartStandard(10.0, 0.5)
    result = recalculate(ChartType.Z_MR, [Subgroup((10.3,), part=part)] * 3, 1)
    assert result.limits == shortrun.z_limits()


def test_a_short_run_subgroup_without_its_part_is_refused_on_part_number() -> None:
    with pytest.raises(InputError) as caught:
        evaluate(RollingWindow(2), Subgroup((50.0, 51.0, 52.0)), dnom_config())
    assert caught.value.field == "part_number"


def test_z_mr_refuses_a_part_without_sigma() -> None:
    config = replace(dnom_config(1), chart_type=ChartType.Z_MR)
    with pytest.raises(InputError) as caught:
        evaluate(RollingWindow(2), Subgroup((1.0,), part=PartStandard(1.0)), config)
    assert caught.value.field == "part_number"
    with pytest.raises(InputError):
        recalculate(ChartType.DNOM, [Subgroup((1.0,)), Subgroup((2.0,))], 1)


def test_base_chart_follows_the_subgroup_size() -> None:
    assert shortrun.base_chart(ChartType.DNOM, 1) == ChartType.I_MR
    assert shortrun.base_chart(ChartType.DNOM, 5) == ChartType.XBAR_R
    assert shortrun.base_chart(ChartType.Z_MR, 1) == ChartType.I_MR
    assert shortrun.base_chart(ChartType.XBAR_S, 5) == ChartType.XBAR_S


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
parts = st.lists(
    st.tuples(finite, st.floats(min_value=1e-3, max_value=1e3)), min_size=1, max_size=5
)


@settings(max_examples=200, deadline=None)
@given(
    standards=parts,
    picks=st.lists(st.integers(min_value=0, max_value=4), min_size=1, max_size=30),
    n=st.integers(min_value=1, max_value=5),
)
def test_on_target_data_plots_zero_on_dnom_and_z(
    standards: list[tuple[float, float]], picks: list[int], n: int
) -> None:
    """Every measurement equal to its part's target: every DNOM value, every z and every
    moving range or range is exactly 0, whatever the parts' targets and sigmas."""
    chosen = [PartStandard(*standards[i % len(standards)]) for i in picks]
    dnom = post(
        dnom_config(n, ControlLimits(ChartType.DNOM, 0.0, 3.0, -3.0, 1.0, n)),
        [Subgroup((p.target,) * n, part=p) for p in chosen],
    )
    assert all(e.point.value == 0.0 and e.point.z == 0.0 for e in dnom)
    assert all(e.point.secondary_value in (None, 0.0) for e in dnom)
    z_config = replace(dnom_config(1), chart_type=ChartType.Z_MR)
    z_points = post(z_config, [Subgroup((p.target,), part=p) for p in chosen])
    assert all(e.point.value == 0.0 and e.point.z == 0.0 for e in z_points)
    assert all(not math.isnan(e.point.value) for e in z_points)
