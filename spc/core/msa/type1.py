"""Type 1 gauge study: repeatability and bias of one gauge on one reference part.

Source: Minitab, "Methods and formulas for Type 1 Gage Study" (after VDA Volume 5 and
Bosch booklet 10). With n repeated measurements of a reference part, mean x̄, standard
deviation s, tolerance T, percentage K (default 20 %) and study multiplier L (default 6):

* Cg  = (K/100 · T) / (L · s);
* Cgk = (K/200 · T − |x̄ − ref|) / (L/2 · s);
* bias = x̄ − ref, tested by t = bias / (s/√n) with n − 1 degrees of freedom (two-sided);
* %Var(repeatability) = K/Cg and %Var(repeatability and bias) = K/Cgk (Minitab's
  definitions; the latter is None when Cgk ≤ 0, the bias alone exceeding the band);
* the run chart shows the readings against ref and ref ± K/200 · T (±0.1·T for K = 20).

A study needs a reference value, a tolerance and at least 10 readings (Minitab warns below
that; it recommends 50).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from spc.core.errors import InputError

MIN_READINGS = 10


@dataclass(frozen=True)
class Type1Study:
    """Cg, Cgk, the bias test and the run chart's reference lines."""

    n: int
    mean: float
    std_dev: float
    bias: float
    t: float
    p_value: float
    cg: float
    cgk: float
    pct_var_repeatability: float
    pct_var_repeatability_bias: float | None
    reference: float
    lower_band: float
    upper_band: float


def type1_study(
    readings: Sequence[float],
    *,
    reference: float | None,
    tolerance: float | None,
    k_percent: float = 20.0,
    l_multiplier: float = 6.0,
) -> Type1Study:
    """Cg/Cgk and the bias test of repeated readings of one reference part."""
    if reference is None or not math.isfinite(reference):
        raise InputError("reference", "A Type 1 study needs the reference part's value.")
    if tolerance is None or not (math.isfinite(tolerance) and tolerance > 0):
        raise InputError("tolerance", "A Type 1 study needs a positive tolerance.")
    if not (0 < k_percent <= 100):
        raise InputError("k_percent", "K must be a percentage between 0 and 100.")
    if not (math.isfinite(l_multiplier) and l_multiplier > 0):
        raise InputError("l_multiplier", "L must be positive.")
    x = np.asarray(readings, dtype=float)
    if x.size < MIN_READINGS:
        raise InputError("measurements", f"A Type 1 study needs at least {MIN_READINGS} readings.")
    if not np.isfinite(x).all():
        raise InputError("measurements", "Every reading must be a finite number.")
    n = int(x.size)
    mean = float(x.mean())
    s = float(x.std(ddof=1))
    if s == 0:
        raise InputError(
            "measurements",
            "All readings are equal: the gauge's resolution is too coarse to judge repeatability.",
        )
    bias = mean - reference
    t = bias / (s / math.sqrt(n))
    p_value = float(2 * stats.t.sf(abs(t), n - 1))
    cg = (k_percent / 100 * tolerance) / (l_multiplier * s)
    cgk = (k_percent / 200 * tolerance - abs(bias)) / (l_multiplier / 2 * s)
    half_band = k_percent / 200 * tolerance
    return Type1Study(
        n=n,
        mean=mean,
        std_dev=s,
        bias=bias,
        t=t,
        p_value=p_value,
        cg=cg,
        cgk=cgk,
        pct_var_repeatability=k_percent / cg,
        pct_var_repeatability_bias=k_percent / cgk if cgk > 0 else None,
        reference=reference,
        lower_band=reference - half_band,
        upper_band=reference + half_band,
    )
