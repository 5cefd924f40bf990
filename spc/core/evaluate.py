"""Evaluate one new subgroup against a characteristic's rolling window (no mutation).

The result is the charted point (statistic, limits in force, z, zone, secondary value and
chart memory) and the run-rule signals the point completes. The caller stores the point
and then appends it to the window, so a failed store leaves the window untouched.

Scales per subgroup mode: NOMINAL_TOLERANCE judges x-bar against the stored limits for the
nominal n; VARIABLE_LIMITS against CL +/- 3 sigma/sqrt(n_i); STANDARDIZED plots
z = (x-bar - CL)/(sigma/sqrt(n_i)) against +/-3. The run rules always read z, the point's
distance from the centre line in sigma units of the plotted statistic, so they judge every
mode on its own scale. EWMA and CUSUM evaluate only rule 1 against their own limits: the
other run rules assume independent points, which the smoothed statistics are not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from spc.core import rules
from spc.core.limits import SMALL_SHIFT, point_limits, sigma_of_statistic
from spc.core.smallshift import cusum_step, ewma_half_width, ewma_step
from spc.core.subgroup import ValidatedSubgroup, validate
from spc.core.types import (
    ChartType,
    ControlLimits,
    Point,
    RuleId,
    RuleSet,
    Signal,
    Subgroup,
    SubgroupMode,
)
from spc.core.window import RollingWindow
from spc.core.zones import classify


@dataclass(frozen=True)
class CharacteristicConfig:
    """What the core needs to know about a characteristic."""

    chart_type: ChartType
    subgroup_size: int
    subgroup_mode: SubgroupMode
    min_measurements: int
    warn_below_count: int | None
    limits: ControlLimits | None
    ruleset: RuleSet
    ewma_lambda: float = 0.2
    ewma_l: float = 3.0
    cusum_k: float = 0.5
    cusum_h: float = 5.0
    target: float | None = None


@dataclass(frozen=True)
class Evaluation:
    """The charted point and the signals it completes (indices: window.total = new point)."""

    point: Point
    signals: tuple[Signal, ...]


def window_capacity(config: CharacteristicConfig) -> int:
    """How many past points the evaluation of a new one needs."""
    return max(rules.max_length(config.ruleset), 2)


def effective_ruleset(config: CharacteristicConfig) -> RuleSet:
    """The rules evaluated for this chart: only rule 1 for EWMA and CUSUM."""
    if config.chart_type in SMALL_SHIFT:
        return RuleSet(tuple(s for s in config.ruleset.specs if s.rule == RuleId.BEYOND_LIMITS))
    return config.ruleset


def _statistic(chart: ChartType, v: ValidatedSubgroup) -> float:
    if chart == ChartType.P:
        return (v.count or 0.0) / (v.sample_size or 1.0)
    if chart == ChartType.U:
        return (v.count or 0.0) / (v.sample_size or 1.0)
    if chart in (ChartType.NP, ChartType.C):
        return v.count or 0.0
    return v.mean if v.mean is not None else 0.0


def _secondary(chart: ChartType, v: ValidatedSubgroup, previous: Point | None) -> float | None:
    if chart == ChartType.XBAR_R:
        return v.range
    if chart == ChartType.XBAR_S:
        return v.std_dev
    if chart == ChartType.I_MR:
        if previous is None or previous.mean is None or v.mean is None:
            return None
        return abs(v.mean - previous.mean)
    return None


def _small_shift(
    config: CharacteristicConfig, limits: ControlLimits, x: float, n: float, last: Point | None
) -> tuple[float, float, float, float, float | None, tuple[float, ...]]:
    """(value, CL, UCL, LCL, secondary, state) of an EWMA or CUSUM point."""
    sigma_stat = limits.sigma / math.sqrt(max(n, 1.0))
    mu0 = limits.center_line
    if config.chart_type == ChartType.EWMA:
        prev_z, prev_i = (
            (last.state[0], last.state[1]) if last and len(last.state) == 2 else (mu0, 0.0)
        )
        i = int(prev_i) + 1
        value = ewma_step(prev_z, x, config.ewma_lambda)
        half = ewma_half_width(sigma_stat, config.ewma_lambda, config.ewma_l, i)
        return value, mu0, mu0 + half, mu0 - half, None, (value, float(i))
    previous = (last.state[0], last.state[1]) if last and len(last.state) == 2 else (0.0, 0.0)
    upper, lower = cusum_step(previous, x, mu0, config.cusum_k * sigma_stat)
    h = config.cusum_h * sigma_stat
    return upper, 0.0, h, -h, lower, (upper, lower)


def _z(value: float, center: float, ucl: float, lcl: float, unit: float | None) -> float:
    """Distance from the centre line in sigma units of the plotted statistic."""
    if unit is not None and unit > 0:
        return (value - center) / unit
    width = (ucl - center) / 3 if value >= center else (center - lcl) / 3
    return (value - center) / width if width > 0 else 0.0


def evaluate(window: RollingWindow, subgroup: Subgroup, config: CharacteristicConfig) -> Evaluation:
    """Validate a subgroup and evaluate it as the next point after ``window``.

    Raises ``InputError`` (see ``spc.core.subgroup.validate``) for a subgroup the chart
    cannot take. Does not change ``window``.
    """
    chart = config.chart_type
    checked = validate(
        chart,
        config.subgroup_mode,
        subgroup,
        nominal_n=config.subgroup_size,
        min_measurements=config.min_measurements,
        warn_below_count=config.warn_below_count,
    )
    last = window.last()
    x = _statistic(chart, checked)
    point = Point(
        value=x,
        n=checked.n,
        is_undersized=checked.is_undersized,
        mean=checked.mean,
        range=checked.range,
        std_dev=checked.std_dev,
        secondary_value=_secondary(chart, checked, last),
    )
    limits = config.limits
    if limits is None:
        return Evaluation(point, ())

    if chart in SMALL_SHIFT:
        value, cl, ucl, lcl, secondary, state = _small_shift(config, limits, x, checked.n, last)
        if chart == ChartType.CUSUM:
            z = 3 * (value / ucl if value >= (secondary or 0.0) else -(secondary or 0.0) / ucl)
        else:
            z = _z(value, cl, ucl, lcl, None)
        point = replace(point, value=value, secondary_value=secondary, state=state)
    else:
        mode = config.subgroup_mode
        if chart.is_attribute or mode != SubgroupMode.NOMINAL_TOLERANCE:
            unit = sigma_of_statistic(limits, checked.n)
        else:
            unit = sigma_of_statistic(limits, float(limits.subgroup_size))
        at = point_limits(limits, mode, checked.n)
        if chart.is_attribute and unit <= 0:
            unit = None  # type: ignore[assignment]
        if mode == SubgroupMode.STANDARDIZED:
            center = point_limits(limits, SubgroupMode.NOMINAL_TOLERANCE, checked.n).center_line
            value = (x - center) / unit if unit else 0.0
            cl, ucl, lcl, z = 0.0, 3.0, -3.0, value
        else:
            value, cl, ucl, lcl = x, at.center_line, at.ucl, at.lcl
            z = _z(value, cl, ucl, lcl, unit)
        point = replace(point, value=value)

    point = replace(point, center_line=cl, ucl=ucl, lcl=lcl, z=z, zone=classify(z))
    tail = window.z_tail()
    signals = rules.latest([*tail, z], effective_ruleset(config), offset=window.total - len(tail))
    return Evaluation(point, tuple(signals))
