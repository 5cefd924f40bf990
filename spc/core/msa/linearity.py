"""Gauge linearity and bias (AIAG MSA 4th ed., ch. III-B; Minitab "Gage Linearity and Bias").

For g reference parts, each measured m_i times: the bias of each reading is
``y − reference``. A straight line ``bias = b + a · reference`` is fitted to all the
individual biases by least squares (n = Σm_i points):

* s = √(SSE/(n − 2)), R² = 1 − SSE/SST;
* t_slope = a / (s/√Sxx), t_intercept = b / (s·√(1/n + x̄²/Sxx)), both with n − 2 df;
* linearity = |a| · process variation and %linearity = 100 · |a| (Minitab);
* bias per reference: mean bias, t = |bias| / (s_i/√m_i) with m_i − 1 df;
* average bias = mean of all biases, t = |avg| / (s_all/√n) with n − 1 df (s_all the
  standard deviation of the n biases); %bias = 100 · |bias| / process variation.

The bias p-values follow Minitab's *sample standard deviation* option; Minitab's default
(the sample-range method, σ = R̄/d₂* with AIAG's tabled degrees of freedom) gives
slightly different p-values, the biases themselves are the same.

The AIAG verdict: the gauge is linear if the slope is not significant (p > alpha) and
the bias is acceptable if the average bias is not significant.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from spc.core.errors import InputError


@dataclass(frozen=True)
class ReferenceBias:
    """The bias at one reference value."""

    reference: float
    bias: float
    pct_bias: float | None
    p_value: float | None


@dataclass(frozen=True)
class Linearity:
    """The regression of bias on reference, and the bias table."""

    slope: float
    intercept: float
    se_slope: float
    se_intercept: float
    t_slope: float
    t_intercept: float
    p_slope: float
    p_intercept: float
    s: float
    r_squared: float
    linearity: float | None
    pct_linearity: float
    average_bias: float
    pct_average_bias: float | None
    p_average_bias: float
    biases: tuple[ReferenceBias, ...]
    points: tuple[tuple[float, float], ...]


def _two_sided(t: float, df: int) -> float:
    return float(2 * stats.t.sf(abs(t), df))


def linearity_study(
    readings: Mapping[float, Sequence[float]], *, process_variation: float | None = None
) -> Linearity:
    """Linearity and bias from ``{reference: [readings…]}``."""
    if len(readings) < 2:
        raise InputError("references", "A linearity study needs at least 2 reference parts.")
    if process_variation is not None and not (
        math.isfinite(process_variation) and process_variation > 0
    ):
        raise InputError("process_variation", "The process variation must be positive.")
    xs: list[float] = []
    ys: list[float] = []
    per_part: list[tuple[float, np.ndarray]] = []
    for reference, values in readings.items():
        ref = float(reference)
        arr = np.asarray(values, dtype=float)
        if not math.isfinite(ref) or not np.isfinite(arr).all():
            raise InputError("measurements", "Every reading and reference must be finite.")
        if arr.size < 2:
            raise InputError("measurements", f"Reference {ref:g} needs at least 2 readings.")
        per_part.append((ref, arr - ref))
        xs.extend([ref] * arr.size)
        ys.extend((arr - ref).tolist())
    x, y = np.array(xs), np.array(ys)
    n = x.size
    sxx = float(((x - x.mean()) ** 2).sum())
    slope = float(((x - x.mean()) * (y - y.mean())).sum() / sxx)
    intercept = float(y.mean() - slope * x.mean())
    sse = float(((y - intercept - slope * x) ** 2).sum())
    sst = float(((y - y.mean()) ** 2).sum())
    s = math.sqrt(sse / (n - 2))
    if s == 0:
        raise InputError("measurements", "The biases lie exactly on a line: no error estimate.")
    se_slope = s / math.sqrt(sxx)
    se_intercept = s * math.sqrt(1 / n + x.mean() ** 2 / sxx)
    avg = float(y.mean())
    s_all = float(y.std(ddof=1))
    pv = process_variation
    biases = []
    for ref, bias in per_part:
        sd = float(bias.std(ddof=1))
        mean = float(bias.mean())
        p = None if sd == 0 else _two_sided(mean / (sd / math.sqrt(bias.size)), bias.size - 1)
        biases.append(
            ReferenceBias(ref, mean, None if pv is None else 100 * abs(mean) / pv, p_value=p)
        )
    return Linearity(
        slope=slope,
        intercept=intercept,
        se_slope=se_slope,
        se_intercept=se_intercept,
        t_slope=slope / se_slope,
        t_intercept=intercept / se_intercept,
        p_slope=_two_sided(slope / se_slope, n - 2),
        p_intercept=_two_sided(intercept / se_intercept, n - 2),
        s=s,
        r_squared=1 - sse / sst if sst > 0 else 0.0,
        linearity=None if pv is None else abs(slope) * pv,
        pct_linearity=100 * abs(slope),
        average_bias=avg,
        pct_average_bias=None if pv is None else 100 * abs(avg) / pv,
        p_average_bias=1.0 if s_all == 0 else _two_sided(avg / (s_all / math.sqrt(n)), n - 1),
        biases=tuple(biases),
        points=tuple(zip(xs, ys, strict=True)),
    )
