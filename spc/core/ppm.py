"""Parts per million outside the specification: observed in the data, expected from a
normal model.

Pure Python with numpy and scipy; no Django.

* Observed (Minitab's "observed performance"): PPM < LSL = 10⁶·#{xᵢ < LSL}/n and
  PPM > USL = 10⁶·#{xᵢ > USL}/n. A value exactly on a specification limit is within the
  specification (the product's boundary rule: on a limit is not beyond it).
* Expected (Montgomery, *Introduction to Statistical Quality Control*, 6th ed., §8.3 and
  Table 8.2, "process fallout in defective ppm"): PPM < LSL = 10⁶·Φ((LSL − μ)/σ) and
  PPM > USL = 10⁶·(1 − Φ((USL − μ)/σ)), computed as 10⁶·Φ((μ − USL)/σ) so that a tiny
  upper tail is not lost to cancellation. "Within" uses σ within (the chart's estimator),
  "overall" the sample standard deviation, as Minitab's "expected within/overall".

A side without a specification limit is None and adds nothing to the total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

MILLION = 1_000_000.0


@dataclass(frozen=True, slots=True)
class Ppm:
    """Parts per million below the LSL, above the USL and in total (None: no such limit)."""

    below: float | None
    above: float | None
    total: float


def observed_ppm(
    values: Sequence[float] | np.ndarray, *, usl: float | None, lsl: float | None
) -> Ppm:
    """PPM of ``values`` strictly below ``lsl`` and strictly above ``usl`` (n ≥ 1)."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        raise ValueError("Observed PPM needs at least one value.")
    below = MILLION * np.count_nonzero(data < lsl) / data.size if lsl is not None else None
    above = MILLION * np.count_nonzero(data > usl) / data.size if usl is not None else None
    return _ppm(below, above)


def expected_ppm(mean: float, sigma: float, *, usl: float | None, lsl: float | None) -> Ppm:
    """PPM outside the limits of a normal distribution N(mean, sigma²); sigma > 0."""
    if not sigma > 0:
        raise ValueError("Expected PPM needs a positive sigma.")
    below = MILLION * float(special.ndtr((lsl - mean) / sigma)) if lsl is not None else None
    above = MILLION * float(special.ndtr((mean - usl) / sigma)) if usl is not None else None
    return _ppm(below, above)


def _ppm(below: float | None, above: float | None) -> Ppm:
    total = (below or 0.0) + (above or 0.0)
    return Ppm(
        below=None if below is None else float(below),
        above=None if above is None else float(above),
        total=float(total),
    )
