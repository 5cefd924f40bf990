"""Rule 1 on the secondary pane: an R, S or MR point strictly beyond its control limits.

The range (X-bar R), standard deviation (X-bar S) or moving range (I-MR) of a point is
judged against the secondary chart's limits in force (UCL_R/LCL_R and their S and MR
counterparts, for the nominal n). A point exactly on a limit is not beyond it: like the
primary chart, the distance is measured in thirds of the distance from the centre line to
that side's limit, and only more than 3 of them (beyond ``zones.BOUNDARY_TOLERANCE``) is
beyond, so an R of 0 on an LCL_R of 0 is on the limit.

The signal carries ``types.SECONDARY_BEYOND_LIMITS`` (101), severity CRITICAL. It is
evaluated whenever the characteristic's rule 1 is switched on (it is rule 1 applied to
the secondary chart); its own switch and severity, and the run rules on secondary charts,
belong to a later change. EWMA and CUSUM have no secondary chart (CUSUM's C- is part of
its statistic), attribute charts neither.

``is_beyond`` judges one point in plain Python (the streaming evaluator); ``beyond_mask``
judges a whole series with numpy (batch recomputation, recalculation's trimming). The test
suite checks that they agree.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from spc.core.types import (
    SECONDARY_BEYOND_LIMITS,
    ChartLimits,
    ChartType,
    RuleId,
    RuleSet,
    Severity,
    Signal,
)
from spc.core.zones import BOUNDARY_TOLERANCE

SECONDARY_CHARTS: frozenset[ChartType] = frozenset(
    {ChartType.XBAR_R, ChartType.XBAR_S, ChartType.I_MR}
)
SEVERITY = Severity.CRITICAL
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def is_beyond(value: float, limits: ChartLimits) -> bool:
    """True when ``value`` lies strictly beyond the UCL or the LCL of ``limits``.

    Judged in thirds of the distance from the centre line to the limit on the value's side
    (the clipped LCL of 0 of an R chart judges the lower side on its own scale); a value on
    a limit, or a side without width, is not beyond.
    """
    center = limits.center_line
    width = (limits.ucl - center) / 3 if value >= center else (center - limits.lcl) / 3
    if not width > 0:
        return False
    return abs((value - center) / width) > 3.0 + BOUNDARY_TOLERANCE


def beyond_mask(
    values: FloatArray, center: FloatArray, ucl: FloatArray, lcl: FloatArray
) -> BoolArray:
    """``is_beyond`` for a series (limits per point); NaN is never beyond."""
    above = values >= center
    width = np.where(above, ucl - center, center - lcl) / 3
    # A width of a few subnormals overflows z to infinity: beyond, as in plain Python.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = np.where(width > 0, (values - center) / width, 0.0)
    return np.asarray(np.abs(z) > 3.0 + BOUNDARY_TOLERANCE)


def applies(chart_type: ChartType, ruleset: RuleSet) -> bool:
    """True when the chart has a secondary pane and rule 1 is switched on."""
    return chart_type in SECONDARY_CHARTS and any(
        spec.rule == RuleId.BEYOND_LIMITS for spec in ruleset.specs
    )


def signal(
    index: int,
    value: float | None,
    limits: ChartLimits | None,
) -> Signal | None:
    """The secondary signal of point ``index`` (value R, S or MR), or None.

    No value (the first point of an I-MR chart has no moving range) or no secondary limits
    (Phase I, or limits set by hand without them) raise nothing.
    """
    if value is None or limits is None or not is_beyond(value, limits):
        return None
    return Signal(index, SECONDARY_BEYOND_LIMITS, SEVERITY, (index,))


def scan(values: list[float | None], limits: ChartLimits) -> list[int]:
    """Indices of the points of a series whose secondary value is beyond ``limits``."""
    series = np.array([np.nan if v is None else v for v in values], dtype=float)
    size = len(series)
    mask = beyond_mask(
        series,
        np.full(size, limits.center_line),
        np.full(size, limits.ucl),
        np.full(size, limits.lcl),
    )
    return [int(i) for i in np.flatnonzero(mask)]
