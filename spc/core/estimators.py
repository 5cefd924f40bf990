"""Sigma estimators: within-subgroup (ranges, standard deviations, moving ranges), overall."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from spc.core.constants import c4, c4_exact, d2
from spc.core.errors import InputError, ZeroSpreadError


def _mean(values: Sequence[float], what: str) -> float:
    if not values:
        raise InputError("non_field_errors", f"No {what} to estimate sigma from.")
    return math.fsum(values) / len(values)


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
    if span < 2:
        raise ValueError("A moving range spans at least 2 values.")
    return [
        max(values[i - span + 1 : i + 1]) - min(values[i - span + 1 : i + 1])
        for i in range(span - 1, len(values))
    ]


def sigma_from_moving_ranges(values: Sequence[float], span: int = 2) -> float:
    """MR-bar / d2(span): span 2 is the usual MR-bar / 1.128."""
    return _checked(_mean(moving_ranges(values, span), "moving ranges") / d2(span))


def sigma_from_subgroup_ranges(groups: Sequence[Sequence[float]]) -> float:
    """Mean of R_i / d2(n_i) over subgroups of 2 or more values.

    With equal sizes this is exactly R-bar / d2(n); with unequal sizes each range is
    unbiased for its own size, so undersized subgroups do not bias the estimate.
    """
    terms = [(max(g) - min(g)) / d2(len(g)) for g in groups if len(g) >= 2]
    return _checked(_mean(terms, "subgroups of 2 or more values"))


def sigma_from_subgroup_stddevs(groups: Sequence[Sequence[float]]) -> float:
    """Mean of s_i / c4(n_i) over subgroups of 2 or more values (S-bar / c4(n) for equal n)."""
    terms = [statistics.stdev(g) / c4(len(g)) for g in groups if len(g) >= 2]
    return _checked(_mean(terms, "subgroups of 2 or more values"))


def sigma_pooled(groups: Sequence[Sequence[float]]) -> float:
    """Pooled standard deviation sqrt(sum (n_i - 1) s_i^2 / sum (n_i - 1)) over c4(d).

    d = sum (n_i - 1) + 1 (the pooled estimate's degrees of freedom plus one); c4 is the
    gamma-function value, since d is usually beyond the printed table (Minitab's pooled
    standard deviation).
    """
    squares = 0.0
    freedom = 0
    for g in groups:
        if len(g) >= 2:
            squares += statistics.variance(g) * (len(g) - 1)
            freedom += len(g) - 1
    if freedom == 0:
        raise InputError("non_field_errors", "No subgroups of 2 or more values.")
    return _checked(math.sqrt(squares / freedom) / c4_exact(freedom + 1))


def overall_sigma(values: Sequence[float]) -> float:
    """The sample standard deviation (n - 1 in the denominator)."""
    if len(values) < 2:
        raise InputError("non_field_errors", "Need at least 2 values for a standard deviation.")
    return _checked(statistics.stdev(values))


def subgroup_range(values: Sequence[float]) -> float:
    """Largest minus smallest value."""
    return max(values) - min(values)


def subgroup_stddev(values: Sequence[float]) -> float | None:
    """Sample standard deviation of a subgroup, None for a single value."""
    return statistics.stdev(values) if len(values) >= 2 else None
