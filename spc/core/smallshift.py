"""EWMA and tabular CUSUM statistics and limits (Montgomery ch. 9)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from spc.core.types import ChartLimits


def ewma_step(previous: float, x: float, lam: float) -> float:
    """z_i = lambda x_i + (1 - lambda) z_(i-1)."""
    return lam * x + (1.0 - lam) * previous


def ewma_half_width(sigma_stat: float, lam: float, width: float, i: int | None = None) -> float:
    """Half-width of the EWMA limits at point i (1-based), or asymptotic when i is None.

    L sigma sqrt(lambda / (2 - lambda) [1 - (1 - lambda)^(2i)]).
    """
    factor = lam / (2.0 - lam)
    if i is not None:
        factor *= 1.0 - (1.0 - lam) ** (2 * i)
    return width * sigma_stat * math.sqrt(factor)


def cusum_step(
    previous: tuple[float, float], x: float, target: float, k: float
) -> tuple[float, float]:
    """(C+_i, C-_i) = (max(0, x - (mu0 + K) + C+), max(0, (mu0 - K) - x + C-)); K = k sigma."""
    upper, lower = previous
    return max(0.0, x - (target + k) + upper), max(0.0, (target - k) - x + lower)


def ewma_limits(
    center: float, sigma_stat: float, lam: float, width: float, i: int | None = None
) -> ChartLimits:
    """EWMA limits at point i (1-based; exact, time-varying) or asymptotic when i is None.

    ``sigma_stat`` is the sigma of the smoothed observations (sigma / sqrt(n)).
    """
    half = ewma_half_width(sigma_stat, lam, width, i)
    return ChartLimits(center, center + half, center - half)


def ewma_series(values: Sequence[float], start: float, lam: float) -> list[float]:
    """z_1..z_n of ``values`` from z_0 = ``start``."""
    out = []
    z = start
    for x in values:
        z = ewma_step(z, x, lam)
        out.append(z)
    return out


def cusum_series(values: Sequence[float], target: float, k: float) -> list[tuple[float, float]]:
    """(C+_i, C-_i) of ``values`` from (0, 0); ``k`` is the reference value K in data units."""
    out = []
    sums = (0.0, 0.0)
    for x in values:
        sums = cusum_step(sums, x, target, k)
        out.append(sums)
    return out
