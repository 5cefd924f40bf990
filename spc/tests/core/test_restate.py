"""Restating a stored series against a stage (pure: no database)."""

from __future__ import annotations

import math

import pytest

from spc.core.evaluate import CharacteristicConfig
from spc.core.restate import StoredPoint, restate
from spc.core.types import ChartType, ControlLimits, Point, RuleSet, Subgroup, SubgroupMode


def _config(chart: ChartType, mode: SubgroupMode, limits: ControlLimits, n: int = 1):
    return CharacteristicConfig(
        chart_type=chart,
        subgroup_size=n,
        subgroup_mode=mode,
        min_measurements=n,
        warn_below_count=None,
        limits=limits,
        ruleset=RuleSet(()),
    )


def test_standardized_points_become_z_with_their_own_n():
    limits = ControlLimits(ChartType.XBAR_S, 2.0, 2.3, 1.7, 0.2, 4)
    config = _config(ChartType.XBAR_S, SubgroupMode.STANDARDIZED, limits, 4)
    out = restate(config, [StoredPoint(Subgroup((2.1, 2.2))), StoredPoint(Subgroup((2.0,) * 4))])
    assert out[0].value == pytest.approx((2.15 - 2.0) / (0.2 / math.sqrt(2)))
    assert out[1].value == pytest.approx(0.0)


def test_a_stored_point_is_kept_and_carries_the_ewma_memory_on():
    limits = ControlLimits(ChartType.EWMA, 10.0, 10.5, 9.5, 0.5, 1)
    config = _config(ChartType.EWMA, SubgroupMode.NOMINAL_TOLERANCE, limits)
    stored = Point(value=11.0, n=1, center_line=10.0, ucl=10.5, lcl=9.5, z=1.0, state=(11.0, 5))
    out = restate(config, [StoredPoint(Subgroup((10.0,)), stored), StoredPoint(Subgroup((12.0,)))])
    assert out[0] is stored
    assert out[1].value == pytest.approx(0.2 * 12.0 + 0.8 * 11.0)


def test_an_excluded_point_is_drawn_but_passes_no_memory_on():
    limits = ControlLimits(ChartType.EWMA, 10.0, 10.5, 9.5, 0.5, 1)
    config = _config(ChartType.EWMA, SubgroupMode.NOMINAL_TOLERANCE, limits)
    out = restate(
        config,
        [StoredPoint(Subgroup((20.0,)), remembered=False), StoredPoint(Subgroup((11.0,)))],
    )
    assert out[0].value == pytest.approx(0.2 * 20.0 + 0.8 * 10.0)
    assert out[1].value == pytest.approx(0.2 * 11.0 + 0.8 * 10.0)


def test_a_subgroup_the_stage_cannot_take_gives_none():
    limits = ControlLimits(ChartType.XBAR_R, 2.0, 2.3, 1.7, 0.2, 2)
    config = _config(ChartType.XBAR_R, SubgroupMode.NOMINAL_TOLERANCE, limits, 2)
    assert restate(config, [StoredPoint(Subgroup((1.0, 2.0, 3.0)))]) == [None]
