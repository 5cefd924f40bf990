"""EWMA and tabular CUSUM statistics and limits (Montgomery ch. 9)."""

from __future__ import annotations

import math


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
