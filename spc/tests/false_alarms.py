"""How many violations an in-control process should raise: the theory the demo tests use.

For independent points whose distance from the centre line ``z`` (in sigmas of the
plotted statistic) has a known distribution, the probability that a point completes each
Nelson rule (Nelson 1984, default parameters) follows from a few zone probabilities:

- rule 1: P(|z| > 3);
- rule 2: P(z > 0)⁹ + P(z < 0)⁹ (a point on the centre line breaks the run);
- rule 3: at most 2/6! (six continuous values in one of the two monotone orders; ties
  of discrete values only break trends);
- rule 4: at most 2·E₁₄/14!, E₁₄ = 199 360 981 the zigzag number (OEIS A000111);
- rule 5: Σ_side q(1 - (1 - q)²), q = P(z beyond 2 on that side);
- rule 6: Σ_side r·P(Bin(4, r) ≥ 3), r = P(z beyond 1 on that side);
- rule 7: P(|z| ≤ 1)¹⁵; rule 8: P(|z| > 1)⁸.

For normal points these give 0.0238 per point in all (one violation per 42 subgroups).
Attribute charts get the zone probabilities from the binomial or Poisson distribution of
their counts at the limits' rate. EWMA and CUSUM charts evaluate rule 1 only; their
in-control average run lengths are several hundred subgroups (CUSUM k = 0.5, h = 5:
465, Montgomery, Introduction to Statistical Quality Control, 6th ed., Table 9.3).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

ZIGZAG_14 = 199_360_981
TREND_BOUND = 2 / math.factorial(6)
ALTERNATING_BOUND = 2 * ZIGZAG_14 / math.factorial(14)
SMALL_SHIFT_RATE = 1 / 100
"""A generous ceiling for rule 1 on EWMA and CUSUM charts (ARL0 of several hundred)."""
EPS = 1e-9


def _rule_rate(z: np.ndarray, p: np.ndarray) -> float:
    def prob(mask: np.ndarray) -> float:
        return float(p[mask].sum())

    above, below = prob(z > EPS), prob(z < -EPS)
    rate = prob(np.abs(z) > 3 + EPS) + above**9 + below**9 + TREND_BOUND + ALTERNATING_BOUND
    for side in (1, -1):
        q = prob(side * z > 2 + EPS)
        r = prob(side * z > 1 + EPS)
        rate += q * (1 - (1 - q) ** 2)
        rate += r * (4 * r**3 * (1 - r) + r**4)
    within = prob(np.abs(z) <= 1 + EPS)
    return rate + within**15 + (1 - within) ** 8


def normal_rate() -> float:
    """Expected violations per subgroup of an in-control normal Shewhart chart."""
    grid = np.linspace(-8, 8, 160_001)
    weights = stats.norm.pdf(grid) * (grid[1] - grid[0])
    return _rule_rate(grid, weights)


def attribute_rate(chart: str, center_line: float, subgroup_size: int, size: float) -> float:
    """Expected violations per subgroup of an in-control p, np, c or u chart whose stored
    centre line is ``center_line`` (nominal n ``subgroup_size``) at sample size ``size``."""
    if chart in ("P", "NP"):
        p = center_line / subgroup_size if chart == "NP" else center_line
        items = int(size)
        counts = np.arange(items + 1)
        pmf = stats.binom.pmf(counts, items, p)
        z = (counts - items * p) / math.sqrt(items * p * (1 - p))
        return _rule_rate(z, pmf)
    units = size if chart == "U" else 1.0
    mean = center_line * units
    counts = np.arange(int(mean + 20 * math.sqrt(mean) + 20))
    pmf = stats.poisson.pmf(counts, mean)
    z = (counts - mean) / math.sqrt(mean)
    return _rule_rate(z, pmf)
