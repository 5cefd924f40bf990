"""Normal probability plot: the ordered values against standard normal quantiles.

Pure Python with numpy and scipy; no Django.

The i-th smallest of n values is plotted at the plotting position pᵢ = (i − 0.3)/(n + 0.4)
(Benard's median-rank approximation, the default of Minitab's normal probability plot;
NIST/SEMATECH e-Handbook §1.3.3.21 uses the same family of order-statistic medians), on
the normal scale zᵢ = Φ⁻¹(pᵢ). The reference line is the fitted normal x = x̄ + s·z, so
points on the line mean the data follow the normal model the overall indices assume.

A large study is thinned to at most ``max_points`` points evenly spaced in rank, always
keeping the smallest and largest value (where departures from normality show).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

#: Points drawn by default: enough to show the shape, few enough for a browser or a PDF.
MAX_POINTS = 400


@dataclass(frozen=True, slots=True)
class ProbabilityPlot:
    """Plain data of a normal probability plot.

    ``values[k]`` is plotted at ``z[k]`` (its normal quantile; ``percent[k]`` = 100·pᵢ).
    ``line_z`` and ``line_x`` are the ends of the fitted line x = mean + sigma·z. ``n`` is
    the number of values in the study, which may exceed ``len(values)`` after thinning.
    """

    values: tuple[float, ...]
    z: tuple[float, ...]
    percent: tuple[float, ...]
    line_z: tuple[float, float]
    line_x: tuple[float, float]
    n: int


def probability_plot(
    values: Sequence[float] | np.ndarray,
    *,
    mean: float,
    sigma: float,
    max_points: int = MAX_POINTS,
) -> ProbabilityPlot:
    """The probability-plot points of ``values`` (n ≥ 1) with the line N(mean, sigma)."""
    data = np.sort(np.asarray(values, dtype=float).ravel())
    n = int(data.size)
    if n == 0:
        raise ValueError("A probability plot needs at least one value.")
    if max_points < 2:
        raise ValueError("A probability plot shows at least 2 points.")
    ranks = np.arange(1, n + 1)
    if n > max_points:
        ranks = np.unique(np.rint(np.linspace(1, n, max_points)).astype(int))
    positions = (ranks - 0.3) / (n + 0.4)
    z = special.ndtri(positions)
    ends = (float(z[0]), float(z[-1]))
    return ProbabilityPlot(
        values=tuple(float(v) for v in data[ranks - 1]),
        z=tuple(float(q) for q in z),
        percent=tuple(float(100 * p) for p in positions),
        line_z=ends,
        line_x=(mean + sigma * ends[0], mean + sigma * ends[1]),
        n=n,
    )
