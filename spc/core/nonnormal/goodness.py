"""Anderson–Darling goodness of fit for the fitted families, with p-values.

Pure Python with numpy and scipy; no Django.

A² = −n − (1/n)·Σᵢ (2i − 1)[ln F(x₍ᵢ₎) + ln(1 − F(x₍ₙ₊₁₋ᵢ₎))] with F the fitted CDF (its
parameters estimated from the same data, by maximum likelihood). The null distribution of
A² then depends on the family, so each family has its own p-value:

* normal (and lognormal, and the transformed data of Box-Cox and Johnson, which are tested
  for normality): :func:`spc.core.capability.anderson_darling_p_value`, D'Agostino &
  Stephens (1986), Table 4.9;
* exponential (scale estimated): the modified A*² = A²(1 + 0.6/n) against the upper
  percentage points 0.916, 1.062, 1.321, 1.591, 1.959 at 15, 10, 5, 2.5 and 1 %
  (Stephens 1974, JASA 69, Table 1A; D'Agostino & Stephens 1986, Table 4.14);
* Weibull, two parameters (shape and scale estimated): ln X follows the smallest extreme
  value distribution, so the table of Stephens (1977, Biometrika 64, Table 1) applies:
  A*² = A²(1 + 0.2/√n) against 0.474, 0.637, 0.757, 0.877, 1.038 at 25, 10, 5, 2.5, 1 %
  (D'Agostino & Stephens 1986, Table 4.17);
* gamma (shape and scale estimated): the points depend on the shape and lie between the
  exponential-shape row and the normal limit of D'Agostino & Stephens Table 4.21; we use
  the normal limit 0.470, 0.631, 0.752, 0.873, 1.035 (25, 10, 5, 2.5, 1 %) on the plain
  A², the smallest points of the table, so the p-value errs towards rejecting the fit.

Between two tabulated points the p-value is interpolated linearly in A*² (as
``scipy.stats.anderson(..., method="interpolate")`` does); beyond the table it is held at
the table's end and flagged with ``p_bound`` ">" or "<" (Minitab prints "> 0.250" and
"< 0.010" for these families in the same way).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special

from spc.core.capability import anderson_darling_p_value

#: (significance levels, upper percentage points of A*², modifier of A² in n).
Table = tuple[tuple[float, ...], tuple[float, ...], Callable[[int], float]]

EXPONENTIAL_TABLE: Table = (
    (0.15, 0.10, 0.05, 0.025, 0.01),
    (0.916, 1.062, 1.321, 1.591, 1.959),
    lambda n: 1.0 + 0.6 / n,
)
WEIBULL_TABLE: Table = (
    (0.25, 0.10, 0.05, 0.025, 0.01),
    (0.474, 0.637, 0.757, 0.877, 1.038),
    lambda n: 1.0 + 0.2 / math.sqrt(n),
)
GAMMA_TABLE: Table = (
    (0.25, 0.10, 0.05, 0.025, 0.01),
    (0.470, 0.631, 0.752, 0.873, 1.035),
    lambda n: 1.0,
)


@dataclass(frozen=True, slots=True)
class GoodnessOfFit:
    """Anderson–Darling A² of a fitted distribution and its p-value.

    ``p_bound`` is "" when ``p_value`` is the approximation itself, ">" when the true
    p-value is larger than ``p_value`` (A² below the table) and "<" when it is smaller.
    """

    statistic: float
    p_value: float
    p_bound: str = ""

    @property
    def text(self) -> str:
        """The p-value as printed: "p = 0.123", "p > 0.250", "p < 0.001"."""
        if self.p_bound:
            return f"p {self.p_bound} {self.p_value:.3f}"
        return "p < 0.001" if self.p_value < 0.001 else f"p = {self.p_value:.3f}"

    def accepts(self, alpha: float = 0.05) -> bool:
        """True when the fit is not rejected at ``alpha`` (p ≥ alpha)."""
        return self.p_value >= alpha or self.p_bound == ">"


def ad_statistic(log_cdf: np.ndarray, log_sf: np.ndarray) -> float:
    """A² from ln F and ln(1 − F) at the *sorted* values (ascending).

    A value at or beyond the support's end gives ln 0 = −∞ and A² = +∞ (the fit is
    impossible there), returned as ``math.inf`` rather than NaN.
    """
    n = log_cdf.size
    weights = 2.0 * np.arange(1, n + 1) - 1.0
    with np.errstate(invalid="ignore"):
        total = float(np.sum(weights * (log_cdf + log_sf[::-1])))
    if not math.isfinite(total):
        return math.inf
    return -n - total / n


def normal_statistic(sorted_values: np.ndarray, mean: float, sigma: float) -> float:
    """A² of ascending values against N(mean, sigma²), the same sum as
    :func:`spc.core.capability.anderson_darling` without sorting again."""
    z = (sorted_values - mean) / sigma
    return ad_statistic(special.log_ndtr(z), special.log_ndtr(-z))


def normal_p(statistic: float, n: int) -> GoodnessOfFit:
    """Goodness of fit of a normal model (mean and variance estimated)."""
    if not math.isfinite(statistic):
        return GoodnessOfFit(statistic, 0.0, "<")
    return GoodnessOfFit(statistic, anderson_darling_p_value(statistic, n))


def tabled_p(statistic: float, n: int, table: Table) -> GoodnessOfFit:
    """p-value of A² from a table of upper percentage points (see the module docstring)."""
    levels, points, modifier = table
    if not math.isfinite(statistic):
        return GoodnessOfFit(statistic, levels[-1], "<")
    adjusted = statistic * modifier(n)
    if adjusted <= points[0]:
        return GoodnessOfFit(statistic, levels[0], ">")
    if adjusted >= points[-1]:
        return GoodnessOfFit(statistic, levels[-1], "<")
    return GoodnessOfFit(statistic, float(np.interp(adjusted, points, levels)))
