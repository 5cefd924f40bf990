"""The average-and-range method of the AIAG MSA manual, 4th edition (2010), ch. III-B.

With R̄̄ the mean of the appraisers' average ranges, X̄_diff the spread of the appraiser
averages and R_p the range of the part averages:

* EV (repeatability) = R̄̄ · K1;
* AV (reproducibility) = √((X̄_diff · K2)² − EV²/(n·r)), set to 0 when negative;
* GRR = √(EV² + AV²); PV = R_p · K3; TV = √(GRR² + PV²), or the process σ when given
  (the manual's "process variation" alternative);
* %EV, %AV, %GRR, %PV = 100 · ·/TV; %Tolerance = 100 · 6 · ·/tolerance;
* ndc = 1.41 · PV/GRR, truncated (the manual's formula and constant).

The K constants are the manual's (1/d₂* in σ units, the 4th edition's convention):
K1 for 2–3 trials, K2 for 2–3 appraisers, K3 for 2–10 parts. Other designs are refused
with a pointer to the ANOVA method, which has no such limits. Ranges above
UCL_R = D4 · R̄̄ (D4 = 3.27 for 2 trials, 2.58 for 3) are listed: the manual asks to
re-measure those cells.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass

from spc.core.errors import InputError
from spc.core.msa.design import CrossedDesign

#: AIAG MSA 4th ed., the GRR report's constants.
K1 = {2: 0.8862, 3: 0.5908}
K2 = {2: 0.7071, 3: 0.5231}
K3 = {
    2: 0.7071,
    3: 0.5231,
    4: 0.4467,
    5: 0.4030,
    6: 0.3742,
    7: 0.3534,
    8: 0.3375,
    9: 0.3249,
    10: 0.3146,
}
D4 = {2: 3.27, 3: 2.58}


@dataclass(frozen=True)
class AverageRange:
    """The AIAG GRR report (average-and-range method)."""

    r_double_bar: float
    x_diff: float
    r_p: float
    ev: float
    av: float
    grr: float
    pv: float
    tv: float
    pct_ev: float
    pct_av: float
    pct_grr: float
    pct_pv: float
    pct_tolerance_grr: float | None
    ndc: int | None
    ucl_r: float
    out_of_control_ranges: tuple[tuple[Hashable, Hashable], ...]


def _constant(table: dict[int, float], key: int, field: str, what: str) -> float:
    if key not in table:
        raise InputError(
            field,
            f"The average-and-range method has AIAG constants for {min(table)}–{max(table)} "
            f"{what}, not {key}: use the ANOVA method.",
        )
    return table[key]


def average_range(
    design: CrossedDesign,
    *,
    tolerance: float | None = None,
    process_sigma: float | None = None,
) -> AverageRange:
    """The AIAG average-and-range gauge R&R of a balanced crossed study."""
    y = design.cube
    n, k, r = y.shape
    k1 = _constant(K1, r, "trials", "trials")
    k2 = _constant(K2, k, "operators", "appraisers")
    k3 = _constant(K3, n, "parts", "parts")
    ranges = y.max(axis=2) - y.min(axis=2)
    r_bar_bar = float(ranges.mean(axis=0).mean())
    op_means = y.mean(axis=(0, 2))
    part_means = y.mean(axis=(1, 2))
    x_diff = float(op_means.max() - op_means.min())
    r_p = float(part_means.max() - part_means.min())
    if r_p <= 0:
        raise InputError("measurements", "The parts show no part-to-part variation.")
    ev = r_bar_bar * k1
    av = math.sqrt(max((x_diff * k2) ** 2 - ev**2 / (n * r), 0.0))
    grr = math.hypot(ev, av)
    pv = r_p * k3
    if process_sigma is not None:
        if not (math.isfinite(process_sigma) and process_sigma > 0):
            raise InputError("process_sigma", "The process standard deviation must be positive.")
        tv = process_sigma
    else:
        tv = math.hypot(grr, pv)
    if tolerance is not None and not (math.isfinite(tolerance) and tolerance > 0):
        raise InputError("tolerance", "The tolerance (USL − LSL) must be positive.")
    ucl_r = D4[r] * r_bar_bar
    flagged = tuple(
        (design.parts[i], design.operators[j])
        for i in range(n)
        for j in range(k)
        if ranges[i, j] > ucl_r + 1e-12
    )
    return AverageRange(
        r_double_bar=r_bar_bar,
        x_diff=x_diff,
        r_p=r_p,
        ev=ev,
        av=av,
        grr=grr,
        pv=pv,
        tv=tv,
        pct_ev=100 * ev / tv,
        pct_av=100 * av / tv,
        pct_grr=100 * grr / tv,
        pct_pv=100 * pv / tv,
        pct_tolerance_grr=None if tolerance is None else 100 * 6 * grr / tolerance,
        ndc=None if grr == 0 else max(1, math.floor(1.41 * pv / grr + 1e-12)),
        ucl_r=ucl_r,
        out_of_control_ranges=flagged,
    )
