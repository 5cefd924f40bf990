"""Control limits: computed from a baseline, rebuilt from stored values, and per point.

Variables charts (Montgomery ch. 6): sigma = R-bar/d2 (X-bar R), S-bar/c4 (X-bar S),
MR-bar/d2(2) (I-MR); X-bar limits CL +/- 3 sigma / sqrt(n); R chart D3 R-bar .. D4 R-bar;
S chart B3 S-bar .. B4 S-bar; MR chart 0 .. D4(2) MR-bar. Attribute charts (ch. 7): p, np
with binomial and c, u with Poisson sigma; p, np and u limits depend on each point's sample
size. EWMA and CUSUM (ch. 9) keep the in-control mean ``center_line`` and per-observation
``sigma``; their stored UCL/LCL are the asymptotic EWMA limits and +/-H for CUSUM.
Negative lower limits of ranges, standard deviations and counts are clipped to 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from spc.core import constants
from spc.core.errors import InputError, ZeroSpreadError
from spc.core.estimators import (
    sigma_from_moving_ranges,
    sigma_from_ranges,
    sigma_from_stddevs,
    subgroup_range,
    subgroup_stddev,
)
from spc.core.smallshift import ewma_half_width
from spc.core.types import ChartLimits, ChartType, ControlLimits, Subgroup, SubgroupMode

SMALL_SHIFT = (ChartType.EWMA, ChartType.CUSUM)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise InputError("non_field_errors", message)


def _variables(subgroups: Sequence[Subgroup]) -> list[tuple[float, ...]]:
    data = [tuple(float(v) for v in s.measurements) for s in subgroups]
    _require(all(data), "Every baseline subgroup needs measurements.")
    _require(all(math.isfinite(v) for d in data for v in d), "Measurements must be finite.")
    return data


def _within_sigma(chart_type: ChartType, data: list[tuple[float, ...]], n: int) -> float:
    """The chart's within-subgroup sigma estimate (n = nominal subgroup size)."""
    if n == 1 or chart_type == ChartType.I_MR:
        return sigma_from_moving_ranges([d[0] for d in data])
    full = [d for d in data if len(d) >= 2]
    _require(bool(full), "Subgroups need at least 2 measurements to estimate sigma.")
    if chart_type == ChartType.XBAR_S:
        return sigma_from_stddevs([subgroup_stddev(d) or 0.0 for d in full], n)
    return sigma_from_ranges([subgroup_range(d) for d in full], n)


def variables_limits(chart_type: ChartType, subgroups: Sequence[Subgroup], n: int) -> ControlLimits:
    """X-bar R, X-bar S or I-MR limits (both charts of the pair) from a baseline."""
    data = _variables(subgroups)
    if chart_type == ChartType.I_MR:
        values = [d[0] for d in data]
        sigma = sigma_from_moving_ranges(values)
        center = math.fsum(values) / len(values)
        mr_bar = sigma * constants.d2(2)
        secondary = ChartLimits(mr_bar, constants.d4_factor(2) * mr_bar, 0.0)
        return ControlLimits(
            chart_type, center, center + 3 * sigma, center - 3 * sigma, sigma, 1, secondary
        )
    sigma = _within_sigma(chart_type, data, n)
    center = math.fsum(math.fsum(d) / len(d) for d in data) / len(data)
    half = 3 * sigma / math.sqrt(n)
    if chart_type == ChartType.XBAR_S:
        s_bar = sigma * constants.c4(n)
        secondary = ChartLimits(s_bar, constants.b4(n) * s_bar, constants.b3(n) * s_bar)
    else:
        r_bar = sigma * constants.d2(n)
        secondary = ChartLimits(
            r_bar, constants.d4_factor(n) * r_bar, constants.d3_factor(n) * r_bar
        )
    return ControlLimits(chart_type, center, center + half, center - half, sigma, n, secondary)


def _counts(chart_type: ChartType, subgroups: Sequence[Subgroup]) -> tuple[float, float]:
    counts = [s.count for s in subgroups]
    _require(all(c is not None and c >= 0 for c in counts), "Every subgroup needs a count.")
    total = math.fsum(c for c in counts if c is not None)
    if chart_type == ChartType.C:
        return total, float(len(subgroups))
    sizes = [s.sample_size for s in subgroups]
    _require(all(z is not None and z > 0 for z in sizes), "Every subgroup needs a sample size.")
    return total, math.fsum(z for z in sizes if z is not None)


def attribute_limits(chart_type: ChartType, subgroups: Sequence[Subgroup], n: int) -> ControlLimits:
    """p, np, c or u limits from a baseline; ``n`` is the nominal sample size."""
    total, inspected = _counts(chart_type, subgroups)
    rate = total / inspected  # p-bar, c-bar or u-bar
    if chart_type in (ChartType.P, ChartType.NP):
        if rate <= 0 or rate >= 1:
            raise ZeroSpreadError(
                "Every item in the baseline was "
                + ("good" if rate <= 0 else "defective")
                + ": the binomial sigma is zero. Collect a baseline that has both."
            )
        sigma = math.sqrt(rate * (1 - rate))
    else:
        if rate <= 0:
            raise ZeroSpreadError("The baseline has no defects: the Poisson sigma is zero.")
        sigma = math.sqrt(rate)
    center = rate * n if chart_type == ChartType.NP else rate
    base = ControlLimits(chart_type, center, center, center, sigma, n)
    at_n = point_limits(base, SubgroupMode.NOMINAL_TOLERANCE, n)
    return ControlLimits(chart_type, at_n.center_line, at_n.ucl, at_n.lcl, sigma, n)


def small_shift_limits(
    chart_type: ChartType,
    subgroups: Sequence[Subgroup],
    n: int,
    *,
    ewma_lambda: float,
    ewma_l: float,
    cusum_h: float,
    target: float | None,
) -> ControlLimits:
    """EWMA or CUSUM: in-control mean (target or grand mean) and sigma from the baseline."""
    data = _variables(subgroups)
    sigma = _within_sigma(ChartType.I_MR if n == 1 else ChartType.XBAR_R, data, n)
    center = (
        target if target is not None else math.fsum(math.fsum(d) / len(d) for d in data) / len(data)
    )
    sigma_stat = sigma / math.sqrt(n)
    if chart_type == ChartType.EWMA:
        half = ewma_half_width(sigma_stat, ewma_lambda, ewma_l)
        return ControlLimits(chart_type, center, center + half, center - half, sigma, n)
    h = cusum_h * sigma_stat
    return ControlLimits(chart_type, center, h, -h, sigma, n)


def compute_limits(
    chart_type: ChartType,
    subgroups: Sequence[Subgroup],
    subgroup_size: int,
    *,
    ewma_lambda: float = 0.2,
    ewma_l: float = 3.0,
    cusum_k: float = 0.5,
    cusum_h: float = 5.0,
    target: float | None = None,
) -> ControlLimits:
    """Limits of a chart from a baseline of at least 2 subgroups.

    Raises ``ZeroSpreadError`` when the baseline has no variation and ``InputError`` for a
    baseline that is too small or malformed.
    """
    _require(len(subgroups) >= 2, "A baseline needs at least 2 subgroups.")
    _require(subgroup_size >= 1, "The subgroup size must be at least 1.")
    if chart_type.is_attribute:
        return attribute_limits(chart_type, subgroups, subgroup_size)
    if chart_type in SMALL_SHIFT:
        del cusum_k  # K enters the statistic, not the limits
        return small_shift_limits(
            chart_type,
            subgroups,
            subgroup_size,
            ewma_lambda=ewma_lambda,
            ewma_l=ewma_l,
            cusum_h=cusum_h,
            target=target,
        )
    if chart_type != ChartType.I_MR:
        _require(2 <= subgroup_size <= constants.N_MAX, "X-bar charts need 2 <= n <= 25.")
    return variables_limits(chart_type, subgroups, subgroup_size)


def limits_from_stored(
    chart_type: ChartType,
    subgroup_size: int,
    center_line: float | None,
    ucl: float | None,
    lcl: float | None,
    sigma: float | None,
    secondary: ChartLimits | None = None,
) -> ControlLimits | None:
    """Rebuild a characteristic's limits from its stored columns; None in Phase I.

    When no sigma is stored it is derived from the limits: (UCL - CL) / 3 * sqrt(n) for
    variables charts, and from the centre line for attribute charts.
    """
    if center_line is None or ucl is None or lcl is None:
        return None
    n = max(int(subgroup_size), 1)
    if sigma is None or sigma <= 0:
        if chart_type in (ChartType.P, ChartType.NP):
            p = center_line / n if chart_type == ChartType.NP else center_line
            sigma = math.sqrt(max(p * (1 - p), 0.0))
        elif chart_type in (ChartType.C, ChartType.U):
            sigma = math.sqrt(max(center_line, 0.0))
        elif chart_type == ChartType.CUSUM:
            sigma = None
        else:
            sigma = (ucl - center_line) / 3 * math.sqrt(n)
    return ControlLimits(chart_type, center_line, ucl, lcl, sigma or 0.0, n, secondary)


def _attribute_point(limits: ControlLimits, size: float) -> ChartLimits:
    chart, sigma = limits.chart_type, limits.sigma
    if chart == ChartType.P:
        cl, half = limits.center_line, 3 * sigma / math.sqrt(size)
    elif chart == ChartType.NP:
        p = limits.center_line / limits.subgroup_size if limits.subgroup_size else 0.0
        cl, half = p * size, 3 * sigma * math.sqrt(size)
    elif chart == ChartType.U:
        cl, half = limits.center_line, 3 * sigma / math.sqrt(size)
    else:  # C
        cl, half = limits.center_line, 3 * sigma
    return ChartLimits(cl, cl + half, max(cl - half, 0.0))


def point_limits(limits: ControlLimits, mode: SubgroupMode, n_i: float) -> ChartLimits:
    """Limits in force for one point of size ``n_i`` (measurements or sample size).

    NOMINAL_TOLERANCE: the stored limits (attribute charts: for the point's sample size).
    VARIABLE_LIMITS: CL +/- 3 sigma / sqrt(n_i). STANDARDIZED: 0 +/- 3.
    """
    if mode == SubgroupMode.STANDARDIZED:
        return ChartLimits(0.0, 3.0, -3.0)
    if limits.chart_type.is_attribute:
        return _attribute_point(limits, n_i if n_i > 0 else float(limits.subgroup_size))
    if mode == SubgroupMode.VARIABLE_LIMITS and limits.chart_type not in SMALL_SHIFT:
        half = 3 * limits.sigma / math.sqrt(n_i)
        return ChartLimits(limits.center_line, limits.center_line + half, limits.center_line - half)
    return ChartLimits(limits.center_line, limits.ucl, limits.lcl)


def sigma_of_statistic(limits: ControlLimits, n_i: float) -> float:
    """Sigma of the plotted statistic for a point of size ``n_i`` (the z denominator)."""
    chart, sigma = limits.chart_type, limits.sigma
    if chart in (ChartType.P, ChartType.U):
        return sigma / math.sqrt(n_i)
    if chart == ChartType.NP:
        return sigma * math.sqrt(n_i)
    if chart == ChartType.C:
        return sigma
    return sigma / math.sqrt(n_i)
