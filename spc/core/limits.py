"""Control limits: computed from a baseline, rebuilt from stored values, and per point.

Variables charts (Montgomery ch. 6): sigma = R-bar/d2 (X-bar R), S-bar/c4 (X-bar S),
MR-bar/d2(2) (I-MR); X-bar limits CL +/- 3 sigma / sqrt(n); R chart D3 R-bar .. D4 R-bar;
S chart B3 S-bar .. B4 S-bar; MR chart 0 .. D4(2) MR-bar. Attribute charts (ch. 7): p, np
with binomial and c, u with Poisson sigma; p, np and u limits depend on each point's sample
size. From a baseline p-bar = sum(defectives)/sum(n) and u-bar = sum(defects)/sum(units)
(not the mean of the per-sample proportions); the characteristic-level summary (the stored
CL/UCL/LCL) is stated at the nominal n when every baseline sample had it, else at the
baseline's average n (``summary_size``), and each point gets the limits of its own n.
Laney's p′ and u′ (``spc.core.laney``) are p and u charts whose sigma carries sigma-Z.
Limits sit at k sigma (``ControlLimits.k``, default 3; ``spc.core.widths`` for the R, S and
MR panes and for Montgomery's variable-n X-bar S limits). EWMA and CUSUM (ch. 9) keep
the in-control mean ``center_line`` and per-observation ``sigma``; their stored UCL/LCL
are the asymptotic EWMA limits and +/-H for CUSUM.
Negative lower limits of ranges, standard deviations and counts are clipped to 0.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from spc.core import constants, laney
from spc.core.errors import InputError, ZeroSpreadError
from spc.core.estimators import (
    FloatArray,
    sigma_from_moving_ranges,
    sigma_from_subgroup_ranges,
    sigma_from_subgroup_stddevs,
    sigma_pooled,
)
from spc.core.smallshift import ewma_half_width
from spc.core.types import (
    DEFAULT_LIMIT_SIGMA,
    ChartLimits,
    ChartType,
    ControlLimits,
    SampleSizeBasis,
    Subgroup,
    SubgroupMode,
    VariableNMethod,
)
from spc.core.widths import montgomery_s_bar, point_sigma, spread_factors

SMALL_SHIFT = (ChartType.EWMA, ChartType.CUSUM)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise InputError("non_field_errors", message)


@dataclass(frozen=True, slots=True)
class _Baseline:
    """A variables baseline: the subgroups' values and all values flattened."""

    groups: list[tuple[float, ...]]
    flat: FloatArray

    @property
    def firsts(self) -> FloatArray:
        """The first value of each subgroup (the individual values of an I chart)."""
        if len(self.flat) == len(self.groups):
            return self.flat
        return np.array([g[0] for g in self.groups], dtype=float)


def _variables(subgroups: Sequence[Subgroup]) -> _Baseline:
    groups = [s.measurements for s in subgroups]
    _require(all(groups), "Every baseline subgroup needs measurements.")
    try:
        flat = np.fromiter(itertools.chain.from_iterable(groups), dtype=float)
    except (TypeError, ValueError):
        raise InputError("non_field_errors", "Measurements must be numbers.") from None
    _require(bool(np.isfinite(flat).all()), "Measurements must be finite.")
    return _Baseline(groups, flat)


def _within_sigma(
    chart_type: ChartType,
    data: _Baseline,
    n: int,
    method: VariableNMethod = VariableNMethod.UNBIASED,
) -> float:
    """The chart's within-subgroup sigma estimate (n = nominal subgroup size).

    I-MR and n = 1: MR-bar / d2(2). X-bar R: R_i / d2(n_i) averaged; X-bar S: s_i / c4(n_i)
    averaged (R-bar / d2(n) and S-bar / c4(n) when every subgroup has n values). EWMA and
    CUSUM with n > 1: the pooled standard deviation. X-bar charts with ``method`` POOLED:
    the pooled standard deviation; MONTGOMERY (X-bar S): pooled s-bar / c4(n).
    """
    if n == 1 or chart_type == ChartType.I_MR:
        return sigma_from_moving_ranges(data.firsts)
    if method == VariableNMethod.POOLED and chart_type in (ChartType.XBAR_R, ChartType.XBAR_S):
        return sigma_pooled(data.groups)
    if method == VariableNMethod.MONTGOMERY and chart_type == ChartType.XBAR_S:
        return montgomery_s_bar(data.groups) / constants.c4(n)
    if chart_type == ChartType.XBAR_S:
        return sigma_from_subgroup_stddevs(data.groups)
    if chart_type in SMALL_SHIFT:
        return sigma_pooled(data.groups)
    return sigma_from_subgroup_ranges(data.groups)


def _grand_mean(data: _Baseline) -> float:
    """Mean of all values: the mean of subgroup means weighted by their sizes."""
    return float(data.flat.mean())


def variables_limits(
    chart_type: ChartType,
    subgroups: Sequence[Subgroup],
    n: int,
    *,
    k: float = DEFAULT_LIMIT_SIGMA,
    variable_n: VariableNMethod = VariableNMethod.UNBIASED,
) -> ControlLimits:
    """X-bar R, X-bar S or I-MR limits (both charts of the pair) from a baseline, at k sigma.

    The MR chart of I-MR keeps its LCL of 0 (D3(2) = 0 at k = 3).
    """
    data = _variables(subgroups)
    if chart_type == ChartType.I_MR:
        values = data.firsts
        sigma = sigma_from_moving_ranges(values)
        center = float(values.mean())
        mr_bar = sigma * constants.d2(2)
        secondary = ChartLimits(mr_bar, spread_factors(chart_type, 2, k)[1] * mr_bar, 0.0)
        return ControlLimits(
            chart_type, center, center + k * sigma, center - k * sigma, sigma, 1, secondary, k=k
        )
    sigma = _within_sigma(chart_type, data, n, variable_n)
    center = _grand_mean(data)
    half = k * sigma / math.sqrt(n)
    lower, upper = spread_factors(chart_type, n, k)
    middle = sigma * (constants.c4(n) if chart_type == ChartType.XBAR_S else constants.d2(n))
    secondary = ChartLimits(middle, upper * middle, lower * middle)
    return ControlLimits(
        chart_type,
        center,
        center + half,
        center - half,
        sigma,
        n,
        secondary,
        k=k,
        variable_n=variable_n,
    )


def _counts(chart_type: ChartType, subgroups: Sequence[Subgroup]) -> tuple[float, float]:
    counts = [s.count for s in subgroups]
    _require(
        all(c is not None and math.isfinite(c) and c >= 0 for c in counts),
        "Every baseline subgroup needs a count of at least 0.",
    )
    total = math.fsum(c for c in counts if c is not None)
    if chart_type.base == ChartType.C:
        return total, float(len(subgroups))
    sizes = [s.sample_size for s in subgroups]
    _require(
        all(z is not None and math.isfinite(z) and z > 0 for z in sizes),
        "Every baseline subgroup needs a sample size above 0.",
    )
    if chart_type.base in (ChartType.P, ChartType.NP):
        _require(
            all((s.count or 0) <= (s.sample_size or 0) for s in subgroups),
            "A subgroup cannot have more defectives than items inspected.",
        )
    return total, math.fsum(z for z in sizes if z is not None)


# Sizes this close to the nominal n (relatively) are the nominal n: floating-point noise.
_SAME_SIZE = 1e-9
# An np summary size read back from stored limits carries the rounding of three stored
# numbers: within this (relative) of the nominal n it is the nominal n.
_STATED_SIZE = 1e-6


def summary_size(
    chart_type: ChartType, subgroups: Sequence[Subgroup], nominal: int
) -> tuple[float, SampleSizeBasis | None]:
    """The sample size a baseline's characteristic-level limits are stated at, and why.

    Variables charts: the nominal n (NOMINAL). c charts: limits do not depend on n (None).
    p, np and u charts: the nominal n when every baseline sample had it (NOMINAL), else
    the average sample size of the baseline (AVERAGE), e.g. a characteristic left at the
    default n = 1 whose samples inspect 200 items each is summarised at n = 200.
    """
    if chart_type.is_variable:
        return float(nominal), SampleSizeBasis.NOMINAL
    if chart_type == ChartType.C:
        return 1.0, None
    sizes = [float(s.sample_size or 0.0) for s in subgroups]
    if sizes and all(abs(z - nominal) <= _SAME_SIZE * nominal for z in sizes):
        return float(nominal), SampleSizeBasis.NOMINAL
    return math.fsum(sizes) / len(sizes), SampleSizeBasis.AVERAGE


def attribute_limits(
    chart_type: ChartType,
    subgroups: Sequence[Subgroup],
    n: int,
    *,
    k: float = DEFAULT_LIMIT_SIGMA,
) -> ControlLimits:
    """p, np, c, u, p′ or u′ limits from a baseline; ``n`` is the nominal sample size.

    p-bar = sum(defectives) / sum(items), u-bar = sum(defects) / sum(units), c-bar the mean
    count (Montgomery ch. 7). The returned CL/UCL/LCL are for ``summary_size`` (np: CL =
    p-bar times it); ``summary_n`` records it when it is not ``n``. p′ and u′: the p or u
    sigma times Laney's sigma-Z (``spc.core.laney``), kept in ``sigma_z``.
    """
    total, inspected = _counts(chart_type, subgroups)
    rate = total / inspected  # p-bar, c-bar or u-bar
    if chart_type.base in (ChartType.P, ChartType.NP):
        if rate <= 0 or rate >= 1:
            raise ZeroSpreadError(
                "Every item in the baseline was "
                + ("good" if rate <= 0 else "defective")
                + ": the binomial sigma is zero. Collect a baseline that has both."
            )
        sigma = math.sqrt(rate * (1 - rate))
    else:
        if rate <= 0:
            raise ZeroSpreadError("The baseline has no defects: the Poisson sigma is zero.")
        sigma = math.sqrt(rate)
    sigma_z = None
    if chart_type.is_laney:
        counts = [float(s.count or 0.0) for s in subgroups]
        sigma_z = laney.sigma_z(chart_type, counts, [float(s.sample_size or 1) for s in subgroups])
        sigma *= sigma_z
    size, basis = summary_size(chart_type, subgroups, n)
    summary_n = size if basis == SampleSizeBasis.AVERAGE else None
    center = rate * size if chart_type == ChartType.NP else rate
    base = ControlLimits(chart_type, center, center, center, sigma, n, summary_n=summary_n, k=k)
    at_n = point_limits(base, SubgroupMode.NOMINAL_TOLERANCE, size)
    return ControlLimits(
        chart_type,
        at_n.center_line,
        at_n.ucl,
        at_n.lcl,
        sigma,
        n,
        summary_n=summary_n,
        k=k,
        sigma_z=sigma_z,
    )


def small_shift_limits(
    chart_type: ChartType,
    subgroups: Sequence[Subgroup],
    n: int,
    *,
    ewma_lambda: float,
    ewma_l: float,
    cusum_h: float,
    target: float | None,
) -> ControlLimits:
    """EWMA or CUSUM: in-control mean (target or grand mean) and sigma from the baseline."""
    data = _variables(subgroups)
    sigma = _within_sigma(chart_type, data, n)
    center = target if target is not None else _grand_mean(data)
    sigma_stat = sigma / math.sqrt(n)
    if chart_type == ChartType.EWMA:
        half = ewma_half_width(sigma_stat, ewma_lambda, ewma_l)
        return ControlLimits(chart_type, center, center + half, center - half, sigma, n)
    h = cusum_h * sigma_stat
    return ControlLimits(chart_type, center, h, -h, sigma, n)


def compute_limits(
    chart_type: ChartType,
    subgroups: Sequence[Subgroup],
    subgroup_size: int,
    *,
    ewma_lambda: float = 0.2,
    ewma_l: float = 3.0,
    cusum_k: float = 0.5,
    cusum_h: float = 5.0,
    target: float | None = None,
    k: float = DEFAULT_LIMIT_SIGMA,
    variable_n: VariableNMethod = VariableNMethod.UNBIASED,
) -> ControlLimits:
    """Limits of a chart from a baseline of at least 2 subgroups, at ``k`` sigma (Shewhart
    charts; EWMA and CUSUM have their own L and h) with the X-bar charts' ``variable_n``.

    Raises ``ZeroSpreadError`` when the baseline has no variation and ``InputError`` for a
    baseline that is too small or malformed.
    """
    _require(len(subgroups) >= 2, "A baseline needs at least 2 subgroups.")
    _require(subgroup_size >= 1, "The subgroup size must be at least 1.")
    if chart_type.is_attribute:
        return attribute_limits(chart_type, subgroups, subgroup_size, k=k)
    if chart_type in SMALL_SHIFT:
        del cusum_k  # K enters the statistic, not the limits
        return small_shift_limits(
            chart_type,
            subgroups,
            subgroup_size,
            ewma_lambda=ewma_lambda,
            ewma_l=ewma_l,
            cusum_h=cusum_h,
            target=target,
        )
    if chart_type != ChartType.I_MR:
        _require(2 <= subgroup_size <= constants.N_MAX, "X-bar charts need 2 <= n <= 25.")
    return variables_limits(chart_type, subgroups, subgroup_size, k=k, variable_n=variable_n)


def limits_from_stored(
    chart_type: ChartType,
    subgroup_size: int,
    center_line: float | None,
    ucl: float | None,
    lcl: float | None,
    sigma: float | None,
    secondary: ChartLimits | None = None,
    *,
    ewma_lambda: float = 0.2,
    ewma_l: float = 3.0,
    cusum_h: float = 5.0,
    k: float = DEFAULT_LIMIT_SIGMA,
    variable_n: VariableNMethod = VariableNMethod.UNBIASED,
) -> ControlLimits | None:
    """Rebuild a characteristic's limits from its stored columns; None in Phase I.

    ``k`` is the width the limits were stored at. When no sigma is stored it is derived
    from the limits: (UCL - CL) / k * sqrt(n) for
    Shewhart variables charts, from the EWMA width (lambda, L) or the CUSUM decision
    interval (h) for those, and from the centre line for attribute charts (p′ and u′
    without a stored sigma: sigma-Z = 1, the p or u chart). An np chart's
    limits stored with their sigma say which n they are stated at: UCL - CL = k sigma
    sqrt(n_s), so n_s = ((UCL - CL) / (k sigma))^2 and p-bar = CL / n_s (a summary at the
    baseline's average n, not the nominal n, is read back right). Stored limits
    that leave no band (UCL <= LCL) or no sigma count as no limits (Phase I), so that a
    degenerate row never makes every later sample fail.
    """
    if center_line is None or ucl is None or lcl is None or not ucl > lcl:
        return None
    n = max(int(subgroup_size), 1)
    if sigma is None or not sigma > 0:
        sigma = _sigma_from_limits(
            chart_type,
            n,
            center_line,
            ucl,
            ewma_lambda=ewma_lambda,
            ewma_l=ewma_l,
            cusum_h=cusum_h,
            k=k,
        )
    if not (sigma > 0 and math.isfinite(sigma)):
        return None
    summary_n = None
    if chart_type == ChartType.NP:
        stated = ((ucl - center_line) / (k * sigma)) ** 2
        if math.isfinite(stated) and stated > 0 and abs(stated - n) > _STATED_SIZE * n:
            summary_n = stated
    return ControlLimits(
        chart_type,
        center_line,
        ucl,
        lcl,
        sigma,
        n,
        secondary,
        summary_n,
        k=k,
        variable_n=variable_n,
        sigma_z=laney.sigma_z_of(chart_type, center_line, sigma),
    )


def _sigma_from_limits(
    chart_type: ChartType,
    n: int,
    center_line: float,
    ucl: float,
    *,
    ewma_lambda: float,
    ewma_l: float,
    cusum_h: float,
    k: float = DEFAULT_LIMIT_SIGMA,
) -> float:
    """Per-observation sigma implied by stored limits (0 when they imply none)."""
    if chart_type.base in (ChartType.P, ChartType.NP):
        p = center_line / n if chart_type == ChartType.NP else center_line
        return math.sqrt(p * (1 - p)) if 0 < p < 1 else 0.0
    if chart_type.base in (ChartType.C, ChartType.U):
        return math.sqrt(center_line) if center_line > 0 else 0.0
    if chart_type == ChartType.CUSUM:
        return ucl / cusum_h * math.sqrt(n) if cusum_h > 0 else 0.0
    if chart_type == ChartType.EWMA:
        unit = ewma_half_width(1.0, ewma_lambda, ewma_l)
        return (ucl - center_line) / unit * math.sqrt(n) if unit > 0 else 0.0
    return (ucl - center_line) / k * math.sqrt(n)


def _attribute_point(limits: ControlLimits, size: float) -> ChartLimits:
    chart, sigma, k = limits.chart_type.base, limits.sigma, limits.k
    if chart == ChartType.P:
        cl, half = limits.center_line, k * sigma / math.sqrt(size)
    elif chart == ChartType.NP:
        stated = limits.summary_size
        p = limits.center_line / stated if stated else 0.0
        cl, half = p * size, k * sigma * math.sqrt(size)
    elif chart == ChartType.U:
        cl, half = limits.center_line, k * sigma / math.sqrt(size)
    else:  # C
        cl, half = limits.center_line, k * sigma
    return ChartLimits(cl, cl + half, max(cl - half, 0.0))


def point_limits(limits: ControlLimits, mode: SubgroupMode, n_i: float) -> ChartLimits:
    """Limits in force for one point of size ``n_i`` (measurements or sample size).

    NOMINAL_TOLERANCE: the stored limits (attribute charts: for the point's sample size).
    VARIABLE_LIMITS: CL +/- k sigma_i / sqrt(n_i), sigma_i the stored sigma, or
    s-bar / c4(n_i) with Montgomery's method (A3(n_i) s-bar at k = 3). STANDARDIZED: 0 +/- k.
    """
    if mode == SubgroupMode.STANDARDIZED:
        return ChartLimits(0.0, limits.k, -limits.k)
    if limits.chart_type.is_attribute:
        return _attribute_point(limits, n_i if n_i > 0 else limits.summary_size)
    if mode == SubgroupMode.VARIABLE_LIMITS and limits.chart_type not in SMALL_SHIFT:
        half = limits.k * point_sigma(limits, mode, n_i) / math.sqrt(n_i)
        return ChartLimits(limits.center_line, limits.center_line + half, limits.center_line - half)
    return ChartLimits(limits.center_line, limits.ucl, limits.lcl)


def sigma_of_statistic(limits: ControlLimits, n_i: float) -> float:
    """Sigma of the plotted statistic for a point of size ``n_i`` (the z denominator)."""
    chart, sigma = limits.chart_type.base, limits.sigma
    if chart in (ChartType.P, ChartType.U):
        return sigma / math.sqrt(n_i)
    if chart == ChartType.NP:
        return sigma * math.sqrt(n_i)
    if chart == ChartType.C:
        return sigma
    return sigma / math.sqrt(n_i)
