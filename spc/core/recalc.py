"""Limit recalculation from a baseline, optionally dropping out-of-control points."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from spc.core.errors import ZeroSpreadError
from spc.core.estimators import subgroup_range, subgroup_stddev
from spc.core.limits import SMALL_SHIFT, compute_limits, point_limits
from spc.core.types import ChartLimits, ChartType, ControlLimits, Subgroup, SubgroupMode
from spc.core.zones import beyond

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


def _beyond(value: float, at: ChartLimits) -> bool:
    """Strictly beyond a limit, judged in sigma units like the evaluator (on it is within)."""
    if value >= at.center_line:
        width = (at.ucl - at.center_line) / 3
        return width > 0 and beyond((value - at.center_line) / width, 3.0) != 0
    width = (at.center_line - at.lcl) / 3
    return width > 0 and beyond((value - at.center_line) / width, 3.0) != 0


def out_of_control(
    chart_type: ChartType, subgroups: Sequence[Subgroup], limits: ControlLimits
) -> list[int]:
    """Indices of subgroups beyond the primary or the secondary (R, S, MR) chart's limits."""
    out = []
    secondaries = _secondaries(chart_type, subgroups)
    for i, subgroup in enumerate(subgroups):
        at = point_limits(limits, SubgroupMode.NOMINAL_TOLERANCE, _size(chart_type, subgroup))
        value = _statistic(chart_type, subgroup)
        second = secondaries[i]
        secondary_beyond = (
            limits.secondary is not None
            and second is not None
            and _beyond(second, limits.secondary)
        )
        if _beyond(value, at) or secondary_beyond:
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

    Each pass drops every kept subgroup beyond the primary chart's limits or the secondary
    (R, S or MR) chart's, then recomputes from the rest. It stops when none is beyond,
    after ``max_iterations`` computations, or when a further pass would leave fewer than
    2 subgroups or no spread (then the last valid limits stand and those points stay).
    EWMA and CUSUM baselines are never trimmed: their statistics carry memory, so a point
    beyond is not a property of its own subgroup. Raises like ``compute_limits`` for the
    full baseline.
    """
    if max_iterations < 1:
        raise ValueError("max_iterations must be at least 1.")
    params = {
        "ewma_lambda": ewma_lambda,
        "ewma_l": ewma_l,
        "cusum_k": cusum_k,
        "cusum_h": cusum_h,
        "target": target,
    }
    limits = compute_limits(chart_type, subgroups, subgroup_size, **params)  # type: ignore[arg-type]
    kept = list(range(len(subgroups)))
    iterations = 1
    if not drop_out_of_control or chart_type in SMALL_SHIFT:
        return Recalculation(limits, (), iterations)
    while iterations < max_iterations:
        beyond = set(out_of_control(chart_type, [subgroups[i] for i in kept], limits))
        if not beyond or len(kept) - len(beyond) < 2:
            break
        candidate = [k for j, k in enumerate(kept) if j not in beyond]
        try:
            limits = compute_limits(
                chart_type,
                [subgroups[i] for i in candidate],
                subgroup_size,
                **params,  # type: ignore[arg-type]
            )
        except ZeroSpreadError:
            break
        kept = candidate
        iterations += 1
    kept_set = set(kept)
    dropped = tuple(i for i in range(len(subgroups)) if i not in kept_set)
    return Recalculation(limits, dropped, iterations)
