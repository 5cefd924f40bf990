"""Probability plot of the chosen model: ordered values on the scale that draws the fitted
distribution as a straight line.

Pure Python with numpy and scipy; no Django.

Plotting positions pᵢ = (i − 0.3)/(n + 0.4) (Benard's median ranks, as
:mod:`spc.core.probability_plot` and Minitab). The vertical coordinate is the fitted
family's linearising scale, the horizontal one the values (log axis where the family is
straight in ln x):

* normal: y = Φ⁻¹(p), x linear;  lognormal: y = Φ⁻¹(p), x logarithmic;
* Weibull: y = ln(−ln(1 − p)), x logarithmic (the Weibull plot);
* exponential: y = −ln(1 − p), x linear;
* gamma: y = the standard gamma quantile with the fitted shape, x linear;
* Box-Cox and Johnson: the transformed values against y = Φ⁻¹(p).

The fitted line is the model's quantile x = F⁻¹(p(y)) at the two ends of the plotted y.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from spc.core.nonnormal.models import (
    EXPONENTIAL,
    GAMMA,
    LOGNORMAL,
    WEIBULL,
    Model,
)

MAX_POINTS = 400
TICK_PERCENTS = (0.1, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9)
#: Smallest distance between two percent ticks on the plot's y scale.
MIN_TICK_GAP = 0.3
Scale = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True, slots=True)
class FitPlot:
    """Plain data of a probability plot for the chosen model.

    ``values[k]`` is drawn at ``y[k]`` (``percent[k]`` = 100·pᵢ); the fitted model is the
    straight line through (``line_x[j]``, ``line_y[j]``); ``ticks`` pairs a percent with its
    y. ``x_log`` asks for a logarithmic value axis; ``transformed`` says the values are on
    the transformation's scale. ``n`` may exceed the points drawn after thinning.
    """

    values: tuple[float, ...]
    y: tuple[float, ...]
    percent: tuple[float, ...]
    line_x: tuple[float, float]
    line_y: tuple[float, float]
    ticks: tuple[tuple[float, float], ...]
    x_log: bool
    transformed: bool
    n: int


def fit_plot(sorted_values: np.ndarray, model: Model, max_points: int = MAX_POINTS) -> FitPlot:
    """The probability plot of ascending ``sorted_values`` against ``model``."""
    n = int(sorted_values.size)
    ranks = np.arange(1, n + 1)
    if n > max_points:
        ranks = np.unique(np.rint(np.linspace(1, n, max_points)).astype(int))
    positions = (ranks - 0.3) / (n + 0.4)
    to_y, from_y = _scale(model)
    x = sorted_values[ranks - 1]
    transformation = model.transformation
    if transformation is not None:
        x = transformation.forward(x)
    y = to_y(positions)
    ends = np.array([y[0], y[-1]])
    if transformation is not None:
        line = transformation.mean + transformation.sigma * special.ndtri(from_y(ends))
    else:
        line = model.ppf(from_y(ends))
    low, high = float(y[0]) - 0.3, float(y[-1]) + 0.3
    ticks: list[tuple[float, float]] = []
    for pct, tick in zip(TICK_PERCENTS, to_y(np.asarray(TICK_PERCENTS) / 100), strict=True):
        # Keep a tick only clear of the last one (the Weibull scale crowds 90-99 %).
        if low <= tick <= high and (not ticks or tick - ticks[-1][1] >= MIN_TICK_GAP):
            ticks.append((float(pct), float(tick)))
    return FitPlot(
        values=tuple(float(v) for v in x),
        y=tuple(float(v) for v in y),
        percent=tuple(float(100 * p) for p in positions),
        line_x=(float(line[0]), float(line[1])),
        line_y=(float(ends[0]), float(ends[1])),
        ticks=tuple(ticks),
        x_log=model.name in (LOGNORMAL, WEIBULL),
        transformed=transformation is not None,
        n=n,
    )


def _scale(model: Model) -> tuple[Scale, Scale]:
    """(p → y, y → p) of the model's linearising probability scale."""
    if model.name == WEIBULL:
        return (
            lambda p: np.log(-np.log1p(-p)),
            lambda y: -np.expm1(-np.exp(y)),
        )
    if model.name == EXPONENTIAL:
        return (lambda p: -np.log1p(-p), lambda y: -np.expm1(-y))
    if model.name == GAMMA:
        shape = dict(model.parameters)["shape"]
        return (
            lambda p: stats.gamma.ppf(p, shape),
            lambda y: stats.gamma.cdf(y, shape),
        )
    return special.ndtri, special.ndtr
