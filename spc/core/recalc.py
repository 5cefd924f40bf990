"""Limit recalculation from a baseline, optionally dropping out-of-control points."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from spc.core import shortrun
from spc.core.errors import ZeroSpreadError
from spc.core.estimators import FloatArray, subgroup_range, subgroup_stddev
from spc.core.limits import SMALL_SHIFT, compute_limits, point_limits, summary_size
from spc.core.secondary import beyond_mask
from spc.core.types import (
    DEFAULT_LIMIT_SIGMA,
    ChartType,
    ControlLimits,
    SampleSizeBasis,
    Subgroup,
    SubgroupMode,
    VariableNMethod,
)
from spc.core.widths import secondary_point_limits

MAX_ITERATIONS = 10
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Recalculation:
    """Limits from the kept subgroups; ``dropped`` are indices into the input baseline.

    ``summary_sample_size`` is the n the limits' CL/UCL/LCL are stated at and
    ``sample_size_basis`` why (``limits.summary_size``): NOMINAL or, for p, np and u
    baselines whose sample sizes were not all the nominal n, AVERAGE; None for c charts,
    whose limits do not depend on n.
    """

    limits: ControlLimits
    dropped: tuple[int, ...]
    iterations: int
    summary_sample_size: float | None = None
    sample_size_basis: SampleSizeBasis | None = None


def _statistics(
    chart_type: ChartType, subgroups: Sequence[Subgroup]
) -> tuple[list[float], list[float]]:
    """(plotted statistic, size) of every subgroup as charted."""
    if chart_type.is_variable:
        groups = [s.measurements for s in subgroups]
        return [sum(g) / len(g) for g in groups], [float(len(g)) for g in groups]
    sizes = [s.sample_size or 1.0 for s in subgroups]
    counts = [s.count or 0.0 for s in subgroups]
    if chart_type.base in (ChartType.P, ChartType.U):
        return [c / n for c, n in zip(counts, sizes, strict=True)], sizes
    return counts, sizes


def _secondaries(chart_type: ChartType, subgroups: Sequence[Subgroup]) -> list[float] | None:
    """R, S or MR of every subgroup (NaN where there is none), or None for other charts."""
    if chart_type == ChartType.XBAR_R:
        return [subgroup_range(s.measurements) for s in subgroups]
    if chart_type == ChartType.XBAR_S:
        return [subgroup_stddev(s.measurements) or math.nan for s in subgroups]
    if chart_type == ChartType.I_MR:
        values = [s.measurements[0] for s in subgroups]
        return [math.nan] + [abs(b - a) for a, b in itertools.pairwise(values)]
    return None


def _beyond(values: FloatArray, center: FloatArray, ucl: FloatArray, lcl: FloatArray) -> BoolArray:
    """Strictly beyond a limit, judged in sigma units like the evaluator (on it is within).

    The half-width on each side of the centre line is a third of the distance to that
    side's limit, so a clipped LCL judges the lower side on its own scale. NaN is never
    beyond. (The secondary pane's rule 1 uses the same definition.)
    """
    return beyond_mask(values, center, ucl, lcl)


def out_of_control(
    chart_type: ChartType, subgroups: Sequence[Subgroup], limits: ControlLimits
) -> list[int]:
    """Indices of subgroups beyond the primary or the secondary (R, S, MR) chart's limits.

    Points are judged as charted in NOMINAL_TOLERANCE mode: x-bar against the stored
    limits, p/np/u against the limits for their own sample size. Montgomery's variable-n
    X-bar S limits judge both panes at each subgroup's own n_i (VARIABLE_LIMITS).
    """
    if not subgroups:
        return []
    statistics, sizes = _statistics(chart_type, subgroups)
    mode = SubgroupMode.NOMINAL_TOLERANCE
    if limits.variable_n == VariableNMethod.MONTGOMERY:
        mode = SubgroupMode.VARIABLE_LIMITS
    by_size = {size: point_limits(limits, mode, size) for size in set(sizes)}
    rows = {size: (at.center_line, at.ucl, at.lcl) for size, at in by_size.items()}
    lines = np.array([rows[size] for size in sizes], dtype=float)
    beyond = _beyond(np.asarray(statistics, dtype=float), lines[:, 0], lines[:, 1], lines[:, 2])
    secondaries = _secondaries(chart_type, subgroups)
    if limits.secondary is not None and secondaries is not None:
        second = {size: secondary_point_limits(limits, mode, size) for size in set(sizes)}
        rows2 = [second[size] or limits.secondary for size in sizes]
        beyond |= _beyond(
            np.asarray(secondaries, dtype=float),
            np.array([r.center_line for r in rows2], dtype=float),
            np.array([r.ucl for r in rows2], dtype=float),
            np.array([r.lcl for r in rows2], dtype=float),
        )
    return [int(i) for i in np.flatnonzero(beyond)]


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
    k: float = DEFAULT_LIMIT_SIGMA,
    variable_n: VariableNMethod = VariableNMethod.UNBIASED,
) -> Recalculation:
    """Compute limits; with ``drop_out_of_control``, drop points beyond them and repeat.

    Each pass drops every kept subgroup beyond the primary chart's limits or the secondary
    (R, S or MR) chart's, then recomputes from the rest. It stops when none is beyond,
    after ``max_iterations`` computations, or when a further pass would leave fewer than
    2 subgroups or no spread (then the last valid limits stand and those points stay).
    EWMA and CUSUM baselines are never trimmed: their statistics carry memory, so a point
    beyond is not a property of its own subgroup. Raises like ``compute_limits`` for the
    full baseline. ``k`` and ``variable_n`` go to ``compute_limits``.
    """
    if max_iterations < 1:
        raise ValueError("max_iterations must be at least 1.")
    if chart_type in shortrun.SHORT_RUN:  # DNOM: limits of the deviations; Z-MR: known
        short_run = chart_type
        chart_type, subgroups = shortrun.baseline(chart_type, subgroups, subgroup_size)
        if short_run == ChartType.Z_MR:
            return Recalculation(shortrun.z_limits(), (), 1, 1.0, SampleSizeBasis.NOMINAL)
    params = {
        "ewma_lambda": ewma_lambda,
        "ewma_l": ewma_l,
        "cusum_k": cusum_k,
        "cusum_h": cusum_h,
        "target": target,
        "k": k,
        "variable_n": variable_n,
    }
    limits = compute_limits(chart_type, subgroups, subgroup_size, **params)  # type: ignore[arg-type]
    kept = list(range(len(subgroups)))
    iterations = 1
    if not drop_out_of_control or chart_type in SMALL_SHIFT:
        return _result(chart_type, subgroups, subgroup_size, limits, kept, iterations)
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
    return _result(chart_type, subgroups, subgroup_size, limits, kept, iterations)


def _result(
    chart_type: ChartType,
    subgroups: Sequence[Subgroup],
    subgroup_size: int,
    limits: ControlLimits,
    kept: list[int],
    iterations: int,
) -> Recalculation:
    """The recalculation of the ``kept`` subgroups, with the sample size it is stated at."""
    kept_set = set(kept)
    dropped = tuple(i for i in range(len(subgroups)) if i not in kept_set)
    size, basis = summary_size(chart_type, [subgroups[i] for i in kept], subgroup_size)
    return Recalculation(limits, dropped, iterations, None if basis is None else size, basis)
