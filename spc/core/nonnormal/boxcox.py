"""Box-Cox transformation: λ by maximum likelihood, or a λ the user rounds to.

Pure Python with numpy and scipy; no Django.

y = (x^λ − 1)/λ for λ ≠ 0, y = ln x for λ = 0 (Box & Cox 1964, JRSS B 26, 211–252), for
positive x. The form with "− 1 over λ" is increasing for every λ, so spec limits keep
their order on the transformed scale (Minitab's x^λ reverses them for λ < 0, which gives
the same indices).

λ maximises the profile log-likelihood ℓ(λ) = −(n/2)·ln σ̂²(λ) + (λ − 1)·Σ ln x, with
σ̂²(λ) the variance of the transformed values. On the values divided by their geometric
mean g the second term vanishes and ℓ changes by a constant, so the maximum is the λ
that minimises the standard deviation of ((x/g)^λ − 1)/λ — Box and Cox's "standardised"
criterion, which Minitab uses. λ is searched in [−5, 5] (Minitab's range). The rounded λ
is the nearest multiple of 0.5 (0 = log, 0.5 = square root, −1 = reciprocal), the value a
person is likely to choose.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats

from spc.core.errors import InputError
from spc.core.nonnormal.goodness import GoodnessOfFit, normal_p, normal_statistic
from spc.core.nonnormal.models import BOXCOX, Model, Transformation, require_positive

LAMBDA_RANGE = (-5.0, 5.0)
#: Below this |λ| the transformation is taken as the logarithm (its limit at λ = 0).
LOG_EPSILON = 1e-12


def boxcox(x: np.ndarray, lam: float) -> np.ndarray:
    """(x^λ − 1)/λ, or ln x at λ = 0; x positive."""
    logs = np.log(x)
    if abs(lam) < LOG_EPSILON:
        return logs
    return np.expm1(lam * logs) / lam


def inverse_boxcox(y: np.ndarray, lam: float) -> np.ndarray:
    """The x with boxcox(x, λ) = y; NaN-free: y outside the range of the transformation
    (1 + λy ≤ 0) maps to the end of the support (0 for λ > 0, +∞ for λ < 0)."""
    y = np.asarray(y, dtype=float)
    if abs(lam) < LOG_EPSILON:
        return np.exp(y)
    scaled = lam * y
    inside = scaled > -1.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # log1p keeps λ·y exact for a tiny λ, where 1 + λ·y would round it away.
        out = np.exp(np.log1p(np.where(inside, scaled, 0.0)) / lam)
    edge = 0.0 if lam > 0 else math.inf
    return np.where(inside, out, edge)


def boxcox_lambda(data: np.ndarray) -> float:
    """The maximum-likelihood λ in [−5, 5] for positive ``data`` (see the module docstring)."""
    logs = np.log(data)
    scaled = logs - logs.mean()  # ln(x/g): the values over their geometric mean

    def spread(lam: float) -> float:
        y = scaled if abs(lam) < LOG_EPSILON else np.expm1(lam * scaled) / lam
        return float(np.log(y.var()))

    low, high = LAMBDA_RANGE
    grid = np.linspace(low, high, 21)
    values = [spread(float(g)) for g in grid]
    best = int(np.argmin(values))
    bracket_low = float(grid[max(best - 1, 0)])
    bracket_high = float(grid[min(best + 1, grid.size - 1)])
    found = optimize.minimize_scalar(
        spread, bounds=(bracket_low, bracket_high), method="bounded", options={"xatol": 1e-10}
    )
    return float(found.x)


def rounded_lambda(lam: float) -> float:
    """λ rounded to the nearest 0.5 (ties away from zero are not special: round half even)."""
    return round(lam * 2) / 2


def fit_boxcox(data: np.ndarray, lam: float | None = None) -> Model:
    """The Box-Cox model of positive ``data``: λ by maximum likelihood unless given,
    then a normal model of the transformed values (mean, sample standard deviation)."""
    require_positive(data, BOXCOX)
    if lam is None:
        lam = boxcox_lambda(data)
    elif not (math.isfinite(lam) and LAMBDA_RANGE[0] <= lam <= LAMBDA_RANGE[1]):
        raise InputError("lambda", "λ must be a number between −5 and 5.")
    transformed = boxcox(data, lam)
    mean, sigma = float(transformed.mean()), float(transformed.std(ddof=1))
    if not (math.isfinite(sigma) and sigma > 0):
        raise InputError("lambda", f"λ = {lam:g} leaves no spread in the transformed values.")
    goodness: GoodnessOfFit = normal_p(normal_statistic(transformed, mean, sigma), data.size)
    chosen = lam
    normal = stats.norm(loc=mean, scale=sigma)
    transformation = Transformation(
        kind=BOXCOX,
        family="",
        parameters=(("lambda", chosen), ("rounded_lambda", rounded_lambda(chosen))),
        forward=lambda x: _forward(x, chosen),
        inverse=lambda y: inverse_boxcox(y, chosen),
        mean=mean,
        sigma=sigma,
    )
    return Model(
        name=BOXCOX,
        parameters=transformation.parameters,
        goodness=goodness,
        cdf=lambda x: normal.cdf(_forward(x, chosen)),
        sf=lambda x: normal.sf(_forward(x, chosen)),
        ppf=lambda p: inverse_boxcox(normal.ppf(p), chosen),
        transformation=transformation,
    )


def _forward(x: np.ndarray, lam: float) -> np.ndarray:
    """boxcox(x, λ) defined on the whole line: −∞ (below the support) for x ≤ 0."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = boxcox(np.where(x > 0, x, 1.0), lam)
    low = -math.inf if lam <= 0 else -1.0 / lam
    return np.where(x > 0, inside, low)
