"""Limit width k and varying subgroup sizes: the factors of the secondary (R, S, MR) pane
and the per-point limits of Montgomery's variable-n X-bar S chart.

Limit width (k sigma, default 3): the X-bar, individuals and attribute limits sit at
CL +/- k sigma of the plotted statistic. The secondary pane follows the same k with the
closed forms of the tabulated factors: R chart R-bar (1 +/- k d3/d2), S chart
S-bar (1 +/- k sqrt(1 - c4^2)/c4), MR chart MR-bar (1 +/- k d3(2)/d2(2)), lower factors
clipped at 0 (Montgomery §6.2 and §6.3 derive D3/D4 and B3/B4 this way with k = 3). At
k = 3 the printed tables themselves are used, so every 3-sigma result is as before.

Montgomery's variable-n X-bar S chart (Introduction to SQC, §6.3.2, Example 6.4): the
pooled s-bar = sqrt(sum (n_i - 1) s_i^2 / sum (n_i - 1)) (no c4 correction); a point of
size n_i gets x-double-bar +/- A3(n_i) s-bar and an S chart B3(n_i) s-bar .. B4(n_i) s-bar
around the centre line s-bar. Stored, that is sigma = s-bar / c4(n) for the nominal n
(so the stored UCL/LCL are A3(n) s-bar), and the sigma of a point of size n_i is
s-bar / c4(n_i).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from spc.core import constants
from spc.core.errors import InputError, ZeroSpreadError
from spc.core.estimators import sample_variance
from spc.core.types import (
    DEFAULT_LIMIT_SIGMA,
    ChartLimits,
    ChartType,
    ControlLimits,
    SubgroupMode,
    VariableNMethod,
)

MAX_LIMIT_SIGMA = 6.0
"""The widest limits a characteristic may ask for (k <= 6; k > 0)."""


def check_limit_sigma(k: float) -> None:
    """Refuse a limit width outside 0 < k <= 6 (InputError on ``limit_sigma``)."""
    if isinstance(k, bool) or not isinstance(k, int | float) or not math.isfinite(k):
        raise InputError("limit_sigma", "The limit width must be a finite number.")
    if not 0 < k <= MAX_LIMIT_SIGMA:
        raise InputError("limit_sigma", "The limit width k must be above 0 and at most 6.")


def check_variable_n_method(chart_type: ChartType, method: VariableNMethod) -> None:
    """Montgomery's A3(n_i) s-bar limits are an X-bar S method: refused on other charts."""
    if method == VariableNMethod.MONTGOMERY and chart_type != ChartType.XBAR_S:
        raise InputError(
            "variable_n_method",
            "Montgomery's A3(n_i)·s̄ limits need an X̄-S chart: choose the unbiased "
            "average or the pooled standard deviation for this chart.",
        )


def spread_factors(chart_type: ChartType, n: int, k: float) -> tuple[float, float]:
    """(lower, upper) factors of the secondary pane's centre line at width k.

    R: (D3, D4), S: (B3, B4), MR: (0 or D3(2), D4(2)); the printed factors at k = 3.
    """
    size = 2 if chart_type == ChartType.I_MR else n
    if k == DEFAULT_LIMIT_SIGMA:
        if chart_type == ChartType.XBAR_S:
            return constants.b3(size), constants.b4(size)
        return constants.d3_factor(size), constants.d4_factor(size)
    if chart_type == ChartType.XBAR_S:
        c4 = constants.c4(size)
        spread = k * math.sqrt(1 - c4 * c4) / c4
    else:
        spread = k * constants.d3(size) / constants.d2(size)
    return max(1 - spread, 0.0), 1 + spread


def montgomery_s_bar(groups: Sequence[Sequence[float]]) -> float:
    """Pooled s-bar = sqrt(sum (n_i - 1) s_i^2 / sum (n_i - 1)) over subgroups of >= 2.

    Montgomery, Introduction to SQC, eq. (6.31); no c4 correction (the A3(n_i) and B3/B4
    factors carry it). Raises ``ZeroSpreadError`` when it is 0.
    """
    squares, freedom = 0.0, 0
    for g in groups:
        if len(g) >= 2:
            squares += (len(g) - 1) * sample_variance(g)
            freedom += len(g) - 1
    if not freedom:
        raise InputError("non_field_errors", "No subgroups of 2 or more values.")
    s_bar = math.sqrt(squares / freedom)
    if not s_bar > 0:
        raise ZeroSpreadError()
    return s_bar


def _montgomery(limits: ControlLimits, mode: SubgroupMode) -> bool:
    return (
        mode == SubgroupMode.VARIABLE_LIMITS
        and limits.variable_n == VariableNMethod.MONTGOMERY
        and limits.chart_type == ChartType.XBAR_S
    )


def point_sigma(limits: ControlLimits, mode: SubgroupMode, n_i: float) -> float:
    """Sigma of one observation for a point of size ``n_i``: the stored sigma, except
    Montgomery's method in VARIABLE_LIMITS mode: s-bar / c4(n_i), s-bar = sigma c4(n)."""
    size = int(n_i)
    if not _montgomery(limits, mode) or size == limits.subgroup_size or size < 2:
        return limits.sigma
    if not 2 <= limits.subgroup_size <= constants.N_MAX or size > constants.N_MAX:
        return limits.sigma
    return limits.sigma * constants.c4(limits.subgroup_size) / constants.c4(size)


def secondary_point_limits(
    limits: ControlLimits, mode: SubgroupMode, n_i: float
) -> ChartLimits | None:
    """The R, S or MR limits in force for a point of size ``n_i``.

    The stored secondary limits, except Montgomery's method in VARIABLE_LIMITS mode:
    centre line s-bar, limits B3(n_i) s-bar .. B4(n_i) s-bar (at width k).
    """
    second = limits.secondary
    size = int(n_i)
    if second is None or not _montgomery(limits, mode) or size == limits.subgroup_size:
        return second
    if not 2 <= size <= constants.N_MAX:
        return second
    lower, upper = spread_factors(ChartType.XBAR_S, size, limits.k)
    s_bar = second.center_line
    return ChartLimits(s_bar, upper * s_bar, lower * s_bar)
