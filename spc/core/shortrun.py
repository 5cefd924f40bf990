"""Short-run charts: one chart for a characteristic that many part numbers share.

A job shop runs part A for an hour, part B for twenty minutes, part C after lunch: no part
runs long enough for a chart of its own. The short-run charts put every part on one chart
by charting each measurement *relative to its own part's standard* (Montgomery,
Introduction to Statistical Quality Control, 6th ed., section 10.1; Wheeler, Short Run
SPC, 1991):

* **DNOM** (deviation from nominal): x - T_part, where T_part is the part number's nominal.
  The deviations are then an ordinary chart: I-MR for n = 1, X-bar R for n > 1, with limits
  estimated from the deviations (MR-bar/d2(2) or R-bar/d2(n)). DNOM assumes the parts
  share one sigma; when they do not, use Z-MR.
* **Z-MR** (standardized individuals): z = (x - T_part) / sigma_part with each part's known
  sigma. The z's are N(0, 1) when every part runs on target, so the limits are known, not
  estimated: individuals 0 +/- 3, moving range centre d2(2) = 1.128 and limits
  0 .. D4(2) d2(2) = 3.267 x 1.128.

The run rules read the combined series, all parts in time order: a deviation or a z means
the same whichever part it came from. The module is pure: the pipeline attaches each
subgroup's :class:`~spc.core.types.PartStandard` (``Subgroup.part``); :func:`prepare`
turns the subgroup into its base chart's before the ordinary evaluation and
:func:`baseline` does the same for a limit recalculation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from spc.core import constants
from spc.core.errors import InputError
from spc.core.types import ChartLimits, ChartType, ControlLimits, PartStandard, Subgroup

SHORT_RUN: frozenset[ChartType] = frozenset({ChartType.DNOM, ChartType.Z_MR})
"""The chart types whose subgroups are charted relative to their part's standard."""


def base_chart(chart_type: ChartType, subgroup_size: int) -> ChartType:
    """The ordinary chart a short-run chart evaluates as (other charts: themselves).

    DNOM with n = 1 is I-MR of the deviations, with n > 1 X-bar R of the deviations;
    Z-MR is I-MR of the z's.
    """
    if chart_type == ChartType.Z_MR:
        return ChartType.I_MR
    if chart_type == ChartType.DNOM:
        return ChartType.I_MR if subgroup_size <= 1 else ChartType.XBAR_R
    return chart_type


def needs_sigma(chart_type: ChartType | str) -> bool:
    """True when the chart needs each part's sigma as well as its target (Z-MR)."""
    return str(chart_type) == ChartType.Z_MR.value


def deviations(measurements: Sequence[float], part: PartStandard) -> tuple[float, ...]:
    """x - T for each measurement (DNOM's plotted values; the same unit as x)."""
    return tuple(x - part.target for x in measurements)


def standardized(measurements: Sequence[float], part: PartStandard) -> tuple[float, ...]:
    """(x - T) / sigma for each measurement (Z-MR's plotted values; no unit).

    Raises ``InputError`` on ``part_number`` when the part has no sigma above 0.
    """
    sigma = part.sigma
    if sigma is None or not (math.isfinite(sigma) and sigma > 0):
        raise InputError(
            "part_number",
            "A Z-MR chart needs the part's sigma (above 0): set it in the characteristic's "
            "part table.",
        )
    return tuple((x - part.target) / sigma for x in measurements)


def transform(chart_type: ChartType, subgroup: Subgroup) -> Subgroup:
    """The subgroup as its base chart sees it: deviations (DNOM) or z's (Z-MR).

    Raises ``InputError`` on ``part_number`` when the subgroup carries no part standard
    (the pipeline refuses an unknown part number before this, with the part's name).
    Count and sample size pass through unchanged, so the base chart refuses them.
    """
    part = subgroup.part
    if part is None:
        raise InputError(
            "part_number",
            f"A {chart_type.value} chart needs the part number's target: this sample has none.",
        )
    if chart_type == ChartType.Z_MR:
        values = standardized(subgroup.measurements, part)
    else:
        values = deviations(subgroup.measurements, part)
    return Subgroup(values, subgroup.count, subgroup.sample_size)


def z_limits() -> ControlLimits:
    """Z-MR's known limits: individuals 0 +/- 3 (sigma 1); MR centre d2(2), UCL D4(2) d2(2),
    LCL 0 (Montgomery 6th ed. section 10.1.2: sigma known, the standardized values are
    N(0, 1))."""
    mr_bar = constants.d2(2)
    secondary = ChartLimits(mr_bar, constants.d4_factor(2) * mr_bar, 0.0)
    return ControlLimits(ChartType.I_MR, 0.0, 3.0, -3.0, 1.0, 1, secondary)


def prepare(
    subgroup: Subgroup, chart_type: ChartType, subgroup_size: int, limits: ControlLimits | None
) -> tuple[Subgroup, ChartType, ControlLimits | None]:
    """(subgroup, chart type, limits) a short-run point is evaluated with.

    DNOM keeps the characteristic's limits (stated in deviations) under its base chart
    type; Z-MR always uses :func:`z_limits`, whatever is stored.
    """
    base = base_chart(chart_type, subgroup_size)
    if chart_type == ChartType.Z_MR:
        limits = z_limits()
    elif limits is not None:
        limits = replace(limits, chart_type=base)
    return transform(chart_type, subgroup), base, limits


def baseline(
    chart_type: ChartType, subgroups: Sequence[Subgroup], subgroup_size: int
) -> tuple[ChartType, list[Subgroup]]:
    """A recalculation's baseline as its base chart sees it: (base chart, transformed).

    DNOM limits are estimated from the deviations of every part together.
    """
    return base_chart(chart_type, subgroup_size), [transform(chart_type, s) for s in subgroups]
