"""Sigma estimators: within-subgroup (ranges, standard deviations, moving ranges), overall."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from spc.core.constants import c4, c4_exact, d2
from spc.core.errors import InputError, ZeroSpreadError

FloatArray = npt.NDArray[np.float64]


def _mean(values: Sequence[float], what: str) -> float:
    if not values:
        raise InputError("non_field_errors", f"No {what} to estimate sigma from.")
    return math.fsum(values) / len(values)


def sample_variance(values: Sequence[float]) -> float:
    """Sample variance (n - 1 in the denominator), two-pass in floats (n >= 2).

    Equal values give exactly 0 (a rounded mean must not leave a tiny positive spread).
    """
    n = len(values)
    if max(values) == min(values):
        return 0.0
    mean = math.fsum(values) / n
    return math.fsum((v - mean) ** 2 for v in values) / (n - 1)


def _checked(sigma: float) -> float:
    if not sigma > 0:
        raise ZeroSpreadError()
    return sigma


def sigma_from_ranges(ranges: Sequence[float], n: int) -> float:
    """R-bar / d2(n)."""
    return _checked(_mean(ranges, "ranges") / d2(n))


def sigma_from_stddevs(stddevs: Sequence[float], n: int) -> float:
    """S-bar / c4(n)."""
    return _checked(_mean(stddevs, "standard deviations") / c4(n))


def moving_ranges(values: Sequence[float], span: int = 2) -> list[float]:
    """Ranges of each ``span`` consecutive values (span 2: |x_i - x_(i-1)|)."""
    return [float(r) for r in _moving_ranges(np.asarray(values, dtype=float), span)]


def _moving_ranges(values: FloatArray, span: int) -> FloatArray:
    if span < 2:
        raise ValueError("A moving range spans at least 2 values.")
    if len(values) < span:
        return np.empty(0)
    if span == 2:
        return np.abs(np.diff(values))
    windows = np.lib.stride_tricks.sliding_window_view(values, span)
    return windows.max(axis=1) - windows.min(axis=1)


def sigma_from_moving_ranges(values: Sequence[float] | FloatArray, span: int = 2) -> float:
    """MR-bar / d2(span): span 2 is the usual MR-bar / 1.128."""
    ranges = _moving_ranges(np.asarray(values, dtype=float), span)
    if not len(ranges):
        raise InputError("non_field_errors", "No moving ranges to estimate sigma from.")
    return _checked(float(ranges.mean()) / d2(span))


def _by_size(groups: Sequence[Sequence[float]]) -> dict[int, FloatArray]:
    """Subgroups of 2 or more values as one 2-D array per size."""
    buckets: dict[int, list[Sequence[float]]] = {}
    for g in groups:
        if len(g) >= 2:
            buckets.setdefault(len(g), []).append(g)
    if not buckets:
        raise InputError("non_field_errors", "No subgroups of 2 or more values.")
    return {k: np.asarray(rows, dtype=float) for k, rows in buckets.items()}


def _row_stats(rows: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(range, sample variance) of each row; rows of equal values get exactly 0."""
    spread = rows.max(axis=1) - rows.min(axis=1)
    variance = rows.var(axis=1, ddof=1)
    variance[spread == 0] = 0.0
    return spread, variance


def sigma_from_subgroup_ranges(groups: Sequence[Sequence[float]]) -> float:
    """Mean of R_i / d2(n_i) over subgroups of 2 or more values.

    With equal sizes this is exactly R-bar / d2(n); with unequal sizes each range is
    unbiased for its own size, so undersized subgroups do not bias the estimate.
    """
    total, count = 0.0, 0
    for k, rows in _by_size(groups).items():
        spread, _ = _row_stats(rows)
        total += float(spread.sum()) / d2(k)
        count += len(rows)
    return _checked(total / count)


def sigma_from_subgroup_stddevs(groups: Sequence[Sequence[float]]) -> float:
    """Mean of s_i / c4(n_i) over subgroups of 2 or more values (S-bar / c4(n) for equal n)."""
    total, count = 0.0, 0
    for k, rows in _by_size(groups).items():
        _, variance = _row_stats(rows)
        total += float(np.sqrt(variance).sum()) / c4(k)
        count += len(rows)
    return _checked(total / count)


def sigma_pooled(groups: Sequence[Sequence[float]]) -> float:
    """Pooled standard deviation sqrt(sum (n_i - 1) s_i^2 / sum (n_i - 1)) over c4(d).

    d = sum (n_i - 1) + 1 (the pooled estimate's degrees of freedom plus one); c4 is the
    gamma-function value, since d is usually beyond the printed table (Minitab's pooled
    standard deviation).
    """
    squares, freedom = 0.0, 0
    for k, rows in _by_size(groups).items():
        _, variance = _row_stats(rows)
        squares += float(variance.sum()) * (k - 1)
        freedom += len(rows) * (k - 1)
    return _checked(math.sqrt(squares / freedom) / c4_exact(freedom + 1))


def overall_sigma(values: Sequence[float]) -> float:
    """The sample standard deviation (n - 1 in the denominator)."""
    if len(values) < 2:
        raise InputError("non_field_errors", "Need at least 2 values for a standard deviation.")
    return _checked(math.sqrt(sample_variance(values)))


def subgroup_range(values: Sequence[float]) -> float:
    """Largest minus smallest value."""
    return max(values) - min(values)


def subgroup_stddev(values: Sequence[float]) -> float | None:
    """Sample standard deviation of a subgroup, None for a single value."""
    return math.sqrt(sample_variance(values)) if len(values) >= 2 else None
