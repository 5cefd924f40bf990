"""Limit recalculation from a baseline, optionally dropping out-of-control points."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from spc.core.estimators import subgroup_range, subgroup_stddev
from spc.core.limits import SMALL_SHIFT, compute_limits, point_limits
from spc.core.types import ChartType, ControlLimits, Subgroup, SubgroupMode
from spc.core.zones import BOUNDARY_TOLERANCE

MAX_ITERATIONS = 10


@dataclass(frozen=True)
class Recalculation:
    """Limits from the kept subgroups; ``dropped`` are indices into the input baseline."""

    limits: ControlLimits
    dropped: tuple[int, ...]
    iterations: int


def _size(chart_type: ChartType, subgroup: Subgroup) -> float:
    if chart_type.is_attribute:
        return subgroup.sample_size or 1.0
    return float(len(subgroup.measurements))


def _statistic(chart_type: ChartType, subgroup: Subgroup) -> float:
    if chart_type in (ChartType.P, ChartType.U):
        return (subgroup.count or 0.0) / (subgroup.sample_size or 1.0)
    if chart_type.is_attribute:
        return subgroup.count or 0.0
    return sum(subgroup.measurements) / len(subgroup.measurements)


def _secondaries(chart_type: ChartType, subgroups: Sequence[Subgroup]) -> list[float | None]:
    if chart_type == ChartType.XBAR_R:
        return [subgroup_range(s.measurements) for s in subgroups]
    if chart_type == ChartType.XBAR_S:
        return [subgroup_stddev(s.measurements) for s in subgroups]
    if chart_type == ChartType.I_MR:
        values = [s.measurements[0] for s in subgroups]
        return [None] + [abs(b - a) for a, b in itertools.pairwise(values)]
    return [None] * len(subgroups)


def _beyond(value: float, upper: float, lower: float) -> bool:
    return value > upper + BOUNDARY_TOLERANCE or value < lower - BOUNDARY_TOLERANCE


def out_of_control(
    chart_type: ChartType, subgroups: Sequence[Subgroup], limits: ControlLimits
) -> list[int]:
    """Indices of subgroups beyond the primary or the secondary (R, S, MR) chart's limits."""
    out = []
    secondaries = _secondaries(chart_type, subgroups)
    for i, subgroup in enumerate(subgroups):
        at = point_limits(limits, SubgroupMode.NOMINAL_TOLERANCE, _size(chart_type, subgroup))
        value = _statistic(chart_type, subgroup)
        beyond = _beyond(value, at.ucl, at.lcl)
        second = secondaries[i]
        if limits.secondary is not None and second is not None:
            beyond = beyond or _beyond(second, limits.secondary.ucl, limits.secondary.lcl)
        if beyond:
            out.append(i)
    return out


def recalculate(
    chart_type: ChartType,
    subgroups: Sequence[Subgroup],
    subgroup_size: int,
    *,
    drop_out_of_control: bool = False,
    max_iterations: int = MAX_ITERATIONS,
    ewma_lambda: float = 0.2,
    ewma_l: float = 3.0,
    cusum_k: float = 0.5,
    cusum_h: float = 5.0,
    target: float | None = None,
) -> Recalculation:
    """Compute limits; with ``drop_out_of_control``, drop points beyond them and repeat.

    Repeats until no kept point lies beyond the limits or ``max_iterations`` passes were
    made. EWMA and CUSUM baselines are never trimmed (their statistics carry memory, so a
    point beyond is not a property of its own subgroup).
    """
    params = {
        "ewma_lambda": ewma_lambda,
        "ewma_l": ewma_l,
        "cusum_k": cusum_k,
        "cusum_h": cusum_h,
        "target": target,
    }
    kept = list(range(len(subgroups)))
    limits = compute_limits(chart_type, subgroups, subgroup_size, **params)  # type: ignore[arg-type]
    iterations = 1
    if not drop_out_of_control or chart_type in SMALL_SHIFT:
        return Recalculation(limits, (), iterations)
    while iterations < max_iterations:
        current = [subgroups[i] for i in kept]
        beyond = out_of_control(chart_type, current, limits)
        if not beyond or len(kept) - len(beyond) < 2:
            break
        kept = [k for j, k in enumerate(kept) if j not in set(beyond)]
        limits = compute_limits(
            chart_type,
            [subgroups[i] for i in kept],
            subgroup_size,
            **params,  # type: ignore[arg-type]
        )
        iterations += 1
    dropped = tuple(i for i in range(len(subgroups)) if i not in set(kept))
    return Recalculation(limits, dropped, iterations)
