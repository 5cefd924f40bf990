"""Process capability: Cp, Cpk, Pp, Ppk, Cpm, a Cpk confidence interval, normality, PPM,
histogram.

Pure Python with numpy and scipy; no Django. The Django layer loads the included
measurements and the chart's within-subgroup sigma and calls :func:`capability`.

Definitions (Montgomery, *Introduction to Statistical Quality Control*, 6th ed., §8.3;
NIST/SEMATECH e-Handbook §6.1.6; AIAG SPC manual, 2nd ed.):

* within indices use ``sigma_within`` (the chart's estimator R̄/d2, S̄/c4 or MR̄/d2(2)):
  Cp = (USL − LSL)/6σw, Cpu = (USL − x̄)/3σw, Cpl = (x̄ − LSL)/3σw, Cpk = min(Cpu, Cpl);
* overall indices use ``sigma_overall`` = the sample standard deviation s (n − 1 divisor):
  Pp, Ppu, Ppl, Ppk with the same formulas;
* with one spec limit only, Cp/Pp are undefined (None) and Cpk/Ppk are the one-sided
  index of the limit that exists (Cpk = Cpu or Cpl).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from spc.core.errors import InputError, ZeroSpreadError
from spc.core.ppm import Ppm, expected_ppm, observed_ppm

#: Below this many values the indices are still computed, but the verdict says
#: "insufficient data": a Cpk from fewer than 30 values has a 95 % interval roughly
#: ±0.4 wide at Cpk = 1.33 (Bissell), too wide to call a process capable.
MIN_VERDICT_N = 30
#: Anderson–Darling with estimated mean and variance is tabulated for n ≥ 8
#: (D'Agostino & Stephens 1986, Table 4.7); below that no normality result is given.
MIN_NORMALITY_N = 8
#: Cpk thresholds of the plain-language verdict (AIAG / Montgomery Table 8.3 convention).
CAPABLE_CPK = 1.33
MARGINAL_CPK = 1.0
#: The default histogram never has more bins than this, whatever numpy's rule proposes.
MAX_BINS = 60
#: Points of the fitted normal curve.
CURVE_POINTS = 101

NON_FIELD = "non_field_errors"
ZERO_SPREAD = "All values are equal (zero spread): no capability index can be computed."

CAPABLE = "capable"
MARGINAL = "marginal"
NOT_CAPABLE = "not capable"
INSUFFICIENT_DATA = "insufficient data"


@dataclass(frozen=True, slots=True)
class Histogram:
    """Histogram of the values with the fitted normal curves, as plain data.

    ``edges`` has one more element than ``counts``. ``curve_y`` is the normal density with
    the study's mean and overall sigma, ``curve_y_within`` the same with sigma within (None
    without one), each scaled to the counts (density × N × bin width) so that it can be
    drawn over the bars on the same axis.
    """

    edges: tuple[float, ...]
    counts: tuple[int, ...]
    curve_x: tuple[float, ...]
    curve_y: tuple[float, ...]
    curve_y_within: tuple[float, ...] | None = None


@dataclass(frozen=True, slots=True)
class Normality:
    """Anderson–Darling normality test with mean and variance estimated from the data.

    ``statistic`` is A² (the same number as ``scipy.stats.anderson(x).statistic``);
    ``p_value`` comes from D'Agostino & Stephens (1986), Table 4.9, applied to the
    small-sample adjusted A*² = A²(1 + 0.75/n + 2.25/n²); ``is_normal`` is
    ``p_value >= alpha`` with alpha 0.05.
    """

    statistic: float
    p_value: float
    is_normal: bool


@dataclass(frozen=True, slots=True)
class Capability:
    """The result of a capability study; every index is None where it is undefined.

    ``cpk_lower``/``cpk_upper`` bound Cpk at ``confidence`` (Bissell 1990). ``verdict`` is
    one of "capable" (index ≥ 1.33), "marginal" (1.0 ≤ index < 1.33), "not capable"
    (< 1.0) or "insufficient data" (n < 30): what the index alone says, before stability and
    normality are weighed (:mod:`spc.core.capability_assessment`). ``verdict_basis`` names
    the index it reads: "Cpk" when a within sigma was given, otherwise "Ppk". ``one_sided``
    is True when only one spec limit exists (the verdict then reads the one-sided index).
    ``ppm_observed`` counts the values outside the limits; ``ppm_within`` and
    ``ppm_overall`` are the normal model's expectation with each sigma (:mod:`spc.core.ppm`).
    """

    n: int
    mean: float
    sigma_within: float | None
    sigma_overall: float
    cp: float | None
    cpk: float | None
    pp: float | None
    ppk: float | None
    cpm: float | None
    cpu: float | None
    cpl: float | None
    ppu: float | None
    ppl: float | None
    cpk_lower: float | None
    cpk_upper: float | None
    normality: Normality | None
    histogram: Histogram
    verdict: str
    verdict_basis: str
    one_sided: bool
    usl: float | None
    lsl: float | None
    target: float | None
    confidence: float
    ppm_observed: Ppm
    ppm_within: Ppm | None
    ppm_overall: Ppm


def capability(
    values: Sequence[float] | np.ndarray,
    *,
    usl: float | None,
    lsl: float | None,
    target: float | None = None,
    sigma_within: float | None = None,
    confidence: float = 0.95,
    bins: int | None = None,
) -> Capability:
    """Compute a capability study of individual ``values`` against spec limits.

    ``sigma_within`` is the chart's within-subgroup estimate (R̄/d2, S̄/c4, MR̄/d2(2));
    without it the within indices (Cp, Cpk, Cpu, Cpl and the Cpk interval) are None and
    the verdict reads Ppk. ``sigma_overall`` is always the sample standard deviation
    (n − 1 divisor). All indices are dimensionless; values, limits and sigmas share units.

    Cpm (Chan, Cheng & Spiring 1988) uses the *overall* spread about the target,
    τ̂ = sqrt(Σ(xᵢ − T)²/(n − 1)) = sqrt(s² + n/(n − 1)·(x̄ − T)²), and
    Cpm = min(T − LSL, USL − T)/(3τ̂) — the same convention as Minitab, which reports Cpm
    among the overall (long-term) indices. We use overall σ because Cpm measures the
    expected squared deviation from target over the whole study, which a within-subgroup
    σ would understate. Without a target, T is the mid-point of two spec limits; with one
    spec limit and a target, the one existing side is used; with one limit and no target
    Cpm is None.

    The Cpk interval is Bissell's (1990) normal approximation,
    Ĉpk ± z₁₋α/₂·sqrt(1/(9n) + Ĉpk²/(2(n − 1))), with n the number of values.

    Raises :class:`~spc.core.errors.InputError` (a ``ValueError``; field
    ``non_field_errors`` for the data, else the argument's name) for no spec limit,
    USL ≤ LSL, a target outside the limits, fewer than 2 values, a value or limit that is
    NaN or infinite, a non-positive ``sigma_within``, a confidence outside (0, 1) or
    ``bins`` < 1, and :class:`~spc.core.errors.ZeroSpreadError` when all values are equal.
    """
    data = _validated_values(values)
    _validate_limits(usl, lsl, target)
    if sigma_within is not None and not (math.isfinite(sigma_within) and sigma_within > 0):
        raise InputError("sigma_within", "The within sigma must be a positive number.")
    if not 0 < confidence < 1:
        raise InputError("confidence", "The confidence must lie between 0 and 1.")
    if bins is not None and bins < 1:
        raise InputError("bins", "The histogram needs at least one bin.")

    n = int(data.size)
    mean = float(data.mean())
    sigma_overall = float(data.std(ddof=1))
    cp, cpu, cpl, cpk = _indices(mean, sigma_within, usl, lsl)
    pp, ppu, ppl, ppk = _indices(mean, sigma_overall, usl, lsl)
    cpk_lower, cpk_upper = _bissell_interval(cpk, n, confidence)
    basis_value, basis = (cpk, "Cpk") if cpk is not None else (ppk, "Ppk")
    return Capability(
        n=n,
        mean=mean,
        sigma_within=sigma_within,
        sigma_overall=sigma_overall,
        cp=cp,
        cpk=cpk,
        pp=pp,
        ppk=ppk,
        cpm=_cpm(data, usl, lsl, target),
        cpu=cpu,
        cpl=cpl,
        ppu=ppu,
        ppl=ppl,
        cpk_lower=cpk_lower,
        cpk_upper=cpk_upper,
        normality=anderson_darling(data) if n >= MIN_NORMALITY_N else None,
        histogram=histogram(
            data, mean=mean, sigma=sigma_overall, bins=bins, sigma_within=sigma_within
        ),
        verdict=verdict(basis_value, n),
        verdict_basis=basis,
        one_sided=usl is None or lsl is None,
        usl=usl,
        lsl=lsl,
        target=target,
        confidence=confidence,
        ppm_observed=observed_ppm(data, usl=usl, lsl=lsl),
        ppm_within=(expected_ppm(mean, sigma_within, usl=usl, lsl=lsl) if sigma_within else None),
        ppm_overall=expected_ppm(mean, sigma_overall, usl=usl, lsl=lsl),
    )


def verdict(index: float | None, n: int) -> str:
    """Plain-language verdict for a capability index computed from ``n`` values.

    "insufficient data" when n < 30 or the index is undefined; otherwise "capable" for
    index ≥ 1.33, "marginal" for 1.0 ≤ index < 1.33, "not capable" below 1.0 (a value
    exactly on a threshold takes the better verdict).
    """
    if index is None or n < MIN_VERDICT_N:
        return INSUFFICIENT_DATA
    if index >= CAPABLE_CPK:
        return CAPABLE
    if index >= MARGINAL_CPK:
        return MARGINAL
    return NOT_CAPABLE


def anderson_darling(values: Sequence[float] | np.ndarray, alpha: float = 0.05) -> Normality:
    """Anderson–Darling test of normality with mean and variance estimated (case 3).

    A² = −n − (1/n)·Σᵢ (2i − 1)[ln Φ(zᵢ) + ln(1 − Φ(zₙ₊₁₋ᵢ))], zᵢ = (x₍ᵢ₎ − x̄)/s with s
    the sample standard deviation (as ``scipy.stats.anderson``). The p-value is the
    D'Agostino & Stephens (1986, Table 4.9) approximation on A*² = A²(1 + 0.75/n + 2.25/n²),
    the one Minitab prints. Needs at least 3 values with some spread.
    """
    data = np.sort(np.asarray(values, dtype=float))
    n = data.size
    if n < 3:
        raise InputError(NON_FIELD, "The normality test needs at least 3 values.")
    sigma = float(data.std(ddof=1))
    if sigma == 0 or data[0] == data[-1]:
        raise ZeroSpreadError(ZERO_SPREAD)
    z = (data - data.mean()) / sigma
    weights = 2.0 * np.arange(1, n + 1) - 1.0
    # log_ndtr(-z) is ln(1 − Φ(z)) without cancellation in the far upper tail.
    total = np.sum(weights * (special.log_ndtr(z) + special.log_ndtr(-z[::-1])))
    statistic = float(-n - total / n)
    p_value = anderson_darling_p_value(statistic, n)
    return Normality(statistic=statistic, p_value=p_value, is_normal=p_value >= alpha)


def anderson_darling_p_value(statistic: float, n: int) -> float:
    """p-value of an Anderson–Darling A² for normality with estimated mean and variance.

    D'Agostino & Stephens (1986), *Goodness-of-Fit Techniques*, Table 4.9, on the adjusted
    A*² = A²(1 + 0.75/n + 2.25/n²); piecewise in A*² with breaks at 0.2, 0.34 and 0.6.
    Past the minimum of the last quadratic (A*² ≈ 153) the p-value is held at its value
    there (about 1e-190) instead of rising again.
    """
    a = statistic * (1.0 + 0.75 / n + 2.25 / n**2)
    if a >= 0.6:
        a = min(a, 153.0)
        p = math.exp(1.2937 - 5.709 * a + 0.0186 * a**2)
    elif a >= 0.34:
        p = math.exp(0.9177 - 4.279 * a - 1.38 * a**2)
    elif a >= 0.2:
        p = 1.0 - math.exp(-8.318 + 42.796 * a - 59.938 * a**2)
    else:
        p = 1.0 - math.exp(-13.436 + 101.14 * a - 223.73 * a**2)
    return min(1.0, max(0.0, p))


def histogram(
    values: Sequence[float] | np.ndarray,
    *,
    mean: float,
    sigma: float,
    bins: int | None = None,
    sigma_within: float | None = None,
) -> Histogram:
    """Bin the values and sample the normal curves N(mean, sigma) (overall) and, given
    ``sigma_within``, N(mean, sigma_within), scaled to the counts.

    Without ``bins`` the edges follow numpy's "auto" rule (the larger of Sturges and
    Freedman–Diaconis), at most 60 bins. The curves span the bins and mean ± 4σ (the wider
    σ), with y = pdf(x)·N·bin width so that they overlay the bars.
    """
    data = np.asarray(values, dtype=float)
    edges = np.histogram_bin_edges(data, bins=bins if bins is not None else "auto")
    if bins is None and edges.size - 1 > MAX_BINS:
        edges = np.histogram_bin_edges(data, bins=MAX_BINS)
    counts, edges = np.histogram(data, bins=edges)
    width = float(edges[1] - edges[0])
    spread = max(sigma, sigma_within or 0.0)
    low = min(float(edges[0]), mean - 4 * spread)
    high = max(float(edges[-1]), mean + 4 * spread)
    curve_x = np.linspace(low, high, CURVE_POINTS)

    def curve(scale: float) -> tuple[float, ...]:
        y = stats.norm.pdf(curve_x, loc=mean, scale=scale) * data.size * width
        return tuple(float(v) for v in y)

    return Histogram(
        edges=tuple(float(e) for e in edges),
        counts=tuple(int(c) for c in counts),
        curve_x=tuple(float(x) for x in curve_x),
        curve_y=curve(sigma),
        curve_y_within=curve(sigma_within) if sigma_within else None,
    )


def _validated_values(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """The values as a float array; raises for too few, non-finite or constant values."""
    try:
        data = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise InputError(NON_FIELD, "Every value must be a number.") from exc
    if data.size < 2:
        raise InputError(NON_FIELD, "A capability study needs at least 2 values.")
    if not np.all(np.isfinite(data)):
        raise InputError(NON_FIELD, "Values must be finite numbers (no NaN or infinity).")
    if data.min() == data.max():
        raise ZeroSpreadError(ZERO_SPREAD)
    return data


def _validate_limits(usl: float | None, lsl: float | None, target: float | None) -> None:
    """Raise for missing, non-finite, inverted limits or a target outside them."""
    if usl is None and lsl is None:
        raise InputError(
            NON_FIELD, "A capability study needs at least one specification limit (USL or LSL)."
        )
    for name, value in (("usl", usl), ("lsl", lsl), ("target", target)):
        if value is not None and not math.isfinite(value):
            raise InputError(name, f"{name.upper()} must be a finite number.")
    if usl is not None and lsl is not None and usl <= lsl:
        raise InputError("usl", "USL must be greater than LSL.")
    if target is not None and (
        (usl is not None and target > usl) or (lsl is not None and target < lsl)
    ):
        raise InputError("target", "The target must lie within the specification limits.")


def _indices(
    mean: float, sigma: float | None, usl: float | None, lsl: float | None
) -> tuple[float | None, float | None, float | None, float | None]:
    """(two-sided, upper, lower, k) indices for one sigma; None where undefined."""
    if sigma is None:
        return None, None, None, None
    upper = (usl - mean) / (3 * sigma) if usl is not None else None
    lower = (mean - lsl) / (3 * sigma) if lsl is not None else None
    both = (usl - lsl) / (6 * sigma) if usl is not None and lsl is not None else None
    sides = [v for v in (upper, lower) if v is not None]
    return both, upper, lower, min(sides)


def _bissell_interval(cpk: float | None, n: int, confidence: float) -> tuple[float | None, ...]:
    """Bissell's (1990) two-sided interval for Cpk; (None, None) without a Cpk."""
    if cpk is None:
        return None, None
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    half = z * math.sqrt(1 / (9 * n) + cpk**2 / (2 * (n - 1)))
    return cpk - half, cpk + half


def _cpm(
    data: np.ndarray, usl: float | None, lsl: float | None, target: float | None
) -> float | None:
    """Taguchi's Cpm with the overall spread about the target (see :func:`capability`)."""
    if target is None:
        if usl is None or lsl is None:
            return None
        target = (usl + lsl) / 2
    tau = math.sqrt(float(np.sum((data - target) ** 2)) / (data.size - 1))
    if tau == 0:
        return None
    room = [
        side
        for side in (
            usl - target if usl is not None else None,
            target - lsl if lsl is not None else None,
        )
        if side is not None
    ]
    return min(room) / (3 * tau)
