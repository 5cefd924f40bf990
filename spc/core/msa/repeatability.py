"""Gauge capability from one operator's repeated measurements (Montgomery, *Introduction
to Statistical Quality Control*, §8.7.1, Example 8.7).

With p parts each measured n times: σ̂_gauge = R̄/d₂(n), the precision-to-tolerance ratio
P/T = k·σ̂_gauge/(USL − LSL) with k = 6 (Montgomery's convention; 5.15 is the older one),
and σ̂²_part = s²_total − σ̂²_gauge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from spc.core.constants import d2
from spc.core.errors import InputError


@dataclass(frozen=True)
class GaugeCapability:
    """σ_gauge, P/T and the split of the total variance."""

    grand_mean: float
    r_bar: float
    sigma_gauge: float
    p_to_t: float | None
    sigma_total: float
    variance_part: float


def gauge_capability(
    parts: Sequence[Sequence[float]], *, tolerance: float | None = None, k: float = 6.0
) -> GaugeCapability:
    """Montgomery's gauge capability study of ``parts[i] = (measurement 1, 2, …)``."""
    y = np.asarray(parts, dtype=float)
    if y.ndim != 2 or y.shape[0] < 2 or y.shape[1] < 2:
        raise InputError("measurements", "Measure at least 2 parts at least twice each.")
    if not np.isfinite(y).all():
        raise InputError("measurements", "Every measurement must be a finite number.")
    r_bar = float((y.max(axis=1) - y.min(axis=1)).mean())
    sigma = r_bar / d2(int(y.shape[1]))
    s_total = float(y.std(ddof=1))
    return GaugeCapability(
        grand_mean=float(y.mean()),
        r_bar=r_bar,
        sigma_gauge=sigma,
        p_to_t=None if tolerance is None else k * sigma / tolerance,
        sigma_total=s_total,
        variance_part=max(s_total**2 - sigma**2, 0.0),
    )
