"""Maximum-likelihood fits of the normal, lognormal, 2-parameter Weibull, exponential and
gamma distributions, each with its Anderson–Darling goodness of fit.

Pure Python with numpy and scipy; no Django. Every function takes the values sorted
ascending (at least :data:`~spc.core.nonnormal.models.MIN_FIT_N`, with some spread) and
returns a :class:`~spc.core.nonnormal.models.Model`. The estimating equations are solved
here; scipy supplies the special functions and the distributions' F, 1 − F and F⁻¹.

* Normal: mean and sample standard deviation s (n − 1 divisor, as the overall capability
  indices use it and Minitab's normal capability prints it).
* Lognormal: μ = mean of ln x, σ = √(Σ(ln x − μ)²/n) (maximum likelihood, n divisor);
  goodness of fit: the normality test of ln x.
* Weibull (shape k, scale λ, no threshold): k solves
  Σ xᵏ ln x / Σ xᵏ − 1/k − mean(ln x) = 0 (Lawless, *Statistical Models and Methods for
  Lifetime Data*, 2nd ed., §5.2), λ = (Σ xᵏ/n)^(1/k); computed on x/max(x), which leaves k
  unchanged and keeps xᵏ finite; Newton's method from Menon's (1963) start.
* Exponential (scale θ, no threshold): θ = x̄.
* Gamma (shape α, scale β, no threshold): α solves ln α − ψ(α) = ln x̄ − mean(ln x)
  (Choi & Wette 1969), by Newton's method from Minka's (2002) closed-form start;
  β = x̄/α.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import optimize, special, stats

from spc.core.capability import anderson_darling
from spc.core.nonnormal.goodness import (
    EXPONENTIAL_TABLE,
    GAMMA_TABLE,
    WEIBULL_TABLE,
    GoodnessOfFit,
    ad_statistic,
    tabled_p,
)
from spc.core.nonnormal.models import (
    EXPONENTIAL,
    GAMMA,
    LOGNORMAL,
    NORMAL,
    WEIBULL,
    Model,
    require_positive,
)

#: Newton steps for the gamma shape: it converges quadratically from Minka's start.
GAMMA_ITERATIONS = 50
#: Newton steps for the Weibull shape before Brent's method takes over.
NEWTON_ITERATIONS = 50


def _model(name: str, parameters: Any, goodness: GoodnessOfFit, dist: Any) -> Model:
    """A fitted family as a ``Model``: its F, 1 − F and F⁻¹ are the frozen scipy ``dist``'s."""
    return Model(
        name=name, parameters=parameters, goodness=goodness, cdf=dist.cdf, sf=dist.sf, ppf=dist.ppf
    )


def fit_normal(data: np.ndarray) -> Model:
    """Normal with the mean and the sample standard deviation."""
    mean, sigma = float(data.mean()), float(data.std(ddof=1))
    test = anderson_darling(data)
    dist = stats.norm(loc=mean, scale=sigma)
    return _model(
        NORMAL,
        (("mean", mean), ("sigma", sigma)),
        GoodnessOfFit(test.statistic, test.p_value),
        dist,
    )


def fit_lognormal(data: np.ndarray) -> Model:
    """Lognormal: ln x normal with maximum-likelihood μ and σ (see the module docstring)."""
    require_positive(data, LOGNORMAL)
    logs = np.log(data)
    mu, sigma = float(logs.mean()), float(logs.std(ddof=0))
    test = anderson_darling(logs)
    dist = stats.lognorm(s=sigma, scale=math.exp(mu))
    return _model(
        LOGNORMAL,
        (("location", mu), ("scale", sigma)),
        GoodnessOfFit(test.statistic, test.p_value),
        dist,
    )


def weibull_mle(data: np.ndarray) -> tuple[float, float]:
    """(shape k, scale λ) of the 2-parameter Weibull by maximum likelihood.

    Newton's method on the score (which rises with k: its derivative is the weighted
    variance of ln x plus 1/k²) from Menon's (1963) start k₀ = π/(√6·sd(ln x)); Brent's
    bracketing method takes over should Newton leave the positive axis or stall.
    """
    top = float(data.max())
    logs = np.log(data / top)  # ≤ 0, so exp(k·logs) ≤ 1 never overflows
    mean_log = float(logs.mean())

    def score(k: float) -> float:
        w = np.exp(k * logs)
        return float(np.dot(w, logs) / w.sum()) - 1.0 / k - mean_log

    shape = math.pi / (math.sqrt(6.0) * max(float(logs.std()), 1e-12))
    for _ in range(NEWTON_ITERATIONS):
        w = np.exp(shape * logs)
        total = float(w.sum())
        first = float(np.dot(w, logs)) / total
        second = float(np.dot(w, logs * logs)) / total
        step = (first - 1.0 / shape - mean_log) / (second - first**2 + 1.0 / shape**2)
        if not math.isfinite(step) or shape - step <= 0:
            shape = _weibull_bracketed(score)
            break
        shape -= step
        if abs(step) <= 1e-10 * shape:  # sums of 10⁵ terms carry ~1e-13 noise
            break
    scale = top * float(np.mean(np.exp(shape * logs))) ** (1.0 / shape)
    return shape, scale


def _weibull_bracketed(score: Callable[[float], float]) -> float:
    """The root of the Weibull score by Brent's method (the slow, sure way)."""
    low, high = 0.01, 1.0
    while score(high) < 0 and high < 1e6:  # the score rises with k: widen until it changes sign
        low, high = high, high * 4
    return float(optimize.brentq(score, low, high, xtol=1e-12, rtol=1e-12))


def fit_weibull(data: np.ndarray) -> Model:
    """2-parameter Weibull (no threshold) by maximum likelihood."""
    require_positive(data, WEIBULL)
    shape, scale = weibull_mle(data)
    dist = stats.weibull_min(shape, scale=scale)
    cumulative_hazard = (data / scale) ** shape
    statistic = ad_statistic(np.log(-np.expm1(-cumulative_hazard)), -cumulative_hazard)
    return _model(
        WEIBULL,
        (("shape", shape), ("scale", scale)),
        tabled_p(statistic, data.size, WEIBULL_TABLE),
        dist,
    )


def fit_exponential(data: np.ndarray) -> Model:
    """1-parameter exponential (scale = mean, no threshold)."""
    require_positive(data, EXPONENTIAL)
    scale = float(data.mean())
    dist = stats.expon(scale=scale)
    statistic = ad_statistic(np.log(-np.expm1(-data / scale)), -data / scale)
    return _model(
        EXPONENTIAL, (("scale", scale),), tabled_p(statistic, data.size, EXPONENTIAL_TABLE), dist
    )


def gamma_mle(data: np.ndarray) -> tuple[float, float]:
    """(shape α, scale β) of the 2-parameter gamma by maximum likelihood."""
    mean = float(data.mean())
    s = math.log(mean) - float(np.log(data).mean())
    s = max(s, 1e-300)  # s > 0 by Jensen's inequality whenever the values differ
    shape = (3.0 - s + math.sqrt((s - 3.0) ** 2 + 24.0 * s)) / (12.0 * s)
    for _ in range(GAMMA_ITERATIONS):
        step = (math.log(shape) - float(special.digamma(shape)) - s) / (
            1.0 / shape - float(special.polygamma(1, shape))
        )
        shape = max(shape - step, shape / 10)
        if abs(step) <= 1e-12 * shape:
            break
    return shape, mean / shape


def fit_gamma(data: np.ndarray) -> Model:
    """2-parameter gamma (no threshold) by maximum likelihood."""
    require_positive(data, GAMMA)
    shape, scale = gamma_mle(data)
    dist = stats.gamma(shape, scale=scale)
    with np.errstate(divide="ignore"):  # a value far in a tail: ln 0, A² infinite
        log_cdf = np.log(special.gammainc(shape, data / scale))
        log_sf = np.log(special.gammaincc(shape, data / scale))
    statistic = ad_statistic(log_cdf, log_sf)
    return _model(
        GAMMA,
        (("shape", shape), ("scale", scale)),
        tabled_p(statistic, data.size, GAMMA_TABLE),
        dist,
    )
