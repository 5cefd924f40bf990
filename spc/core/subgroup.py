"""Validation of one subgroup for its chart and the statistics computed from it.

Subgroup minimums by chart type: an X-bar R subgroup needs at least 2 measurements to have
a range and an X-bar S subgroup at least 2 to have a standard deviation, whatever
``min_measurements`` says. A one-value subgroup on those charts is refused (field
``measurements``) rather than stored with its range or spread missing, as Minitab does:
this product stores the secondary statistic with every point and judges it against the
R or S limits (rule 1 on the secondary pane), and a range of 0 from one value would be
plotted and judged as a real one. Refusing keeps every stored point complete; the form,
REST (400) and MQTT (dead letter) all get the same message, because all go through this
validation. ``check_min_measurements`` applies the same minimum to a characteristic's
configuration (admin form and API).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from spc.core.errors import InputError
from spc.core.estimators import subgroup_range, subgroup_stddev
from spc.core.frozen import quick_init
from spc.core.types import ChartType, Subgroup, SubgroupMode

INDIVIDUAL_CHARTS = (ChartType.I_MR,)
# Charts whose secondary statistic needs at least two values per subgroup: what it is.
SPREAD_MINIMUM: dict[ChartType, tuple[int, str]] = {
    ChartType.XBAR_R: (2, "a range"),
    ChartType.XBAR_S: (2, "a standard deviation"),
}
CHART_LABELS: dict[ChartType, str] = {ChartType.XBAR_R: "X̄-R", ChartType.XBAR_S: "X̄-S"}


def check_min_measurements(chart_type: ChartType, min_measurements: int) -> None:
    """Refuse a characteristic's ``min_measurements`` below its chart's minimum.

    X-bar R and X-bar S need at least 2 measurements per subgroup (see the module
    docstring); other charts accept 1. Raises ``InputError`` on ``min_measurements``.
    """
    minimum, statistic = SPREAD_MINIMUM.get(chart_type, (1, ""))
    if min_measurements < minimum:
        raise InputError(
            "min_measurements",
            f"An {CHART_LABELS[chart_type]} chart needs at least {minimum} measurements per "
            f"subgroup to have {statistic}: set min_measurements to {minimum} or more.",
        )


@quick_init
@dataclass(frozen=True, slots=True)
class ValidatedSubgroup:
    """A subgroup that passed validation, with its statistics.

    ``n`` is the number of measurements (variables charts) or the sample size
    (attribute charts; 1 for c charts without one).
    """

    n: float
    is_undersized: bool
    mean: float | None = None
    range: float | None = None
    std_dev: float | None = None
    count: float | None = None
    sample_size: float | None = None
    measurements: tuple[float, ...] = ()


def _finite(value: float | None, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(field, "Must be a number.")
    if not math.isfinite(value):
        raise InputError(field, "Must be a finite number.")
    return float(value)


def _measurements(raw: tuple[float, ...]) -> tuple[float, ...]:
    """The measurements as floats; InputError for anything but finite numbers."""
    if all(type(v) is float for v in raw):  # the usual case, checked in one pass
        if all(map(math.isfinite, raw)):
            return raw
        raise InputError("measurements", "Must be a finite number.")
    return tuple(float(_finite(v, "measurements") or 0.0) for v in raw)


def _count_field(chart_type: ChartType) -> str:
    return "defectives" if chart_type.base in (ChartType.P, ChartType.NP) else "defects"


def _attribute(chart_type: ChartType, subgroup: Subgroup) -> ValidatedSubgroup:
    field = _count_field(chart_type)
    if subgroup.measurements:
        raise InputError(
            "measurements", f"A {chart_type.value} chart takes {field} counts, not measurements."
        )
    count = _finite(subgroup.count, field)
    size = _finite(subgroup.sample_size, "sample_size")
    if count is None:
        raise InputError(field, f"The number of {field} is required.")
    if count < 0 or count != math.floor(count):
        raise InputError(field, f"The number of {field} must be a whole number of at least 0.")
    if chart_type == ChartType.C:
        return ValidatedSubgroup(n=size or 1.0, is_undersized=False, count=count, sample_size=size)
    if size is None:
        raise InputError("sample_size", "The sample size is required for this chart.")
    if size <= 0:
        raise InputError("sample_size", "The sample size must be greater than zero.")
    if chart_type.base in (ChartType.P, ChartType.NP):
        if size != math.floor(size):
            raise InputError("sample_size", "The number of items inspected must be whole.")
        if count > size:
            raise InputError(field, "There cannot be more defectives than items inspected.")
    return ValidatedSubgroup(n=size, is_undersized=False, count=count, sample_size=size)


def validate(
    chart_type: ChartType,
    mode: SubgroupMode,
    subgroup: Subgroup,
    *,
    nominal_n: int,
    min_measurements: int,
    warn_below_count: int | None,
) -> ValidatedSubgroup:
    """Check a subgroup against its chart and compute its statistics.

    Raises ``InputError`` for empty, non-finite, too small (below ``min_measurements``, or
    below 2 for X-bar R and X-bar S: see the module docstring) or oversized (above the
    nominal n) subgroups and for the wrong kind of data for the chart.
    A subgroup below ``warn_below_count`` (or below n when no warning count is set) is
    accepted and flagged undersized.
    """
    if chart_type.is_attribute:
        return _attribute(chart_type, subgroup)
    if subgroup.count is not None or subgroup.sample_size is not None:
        raise InputError("measurements", f"A {chart_type.value} chart takes measurements.")
    values = _measurements(subgroup.measurements)
    if not values:
        raise InputError("measurements", "At least one measurement is required.")
    size = len(values)
    if size == 1 and chart_type in INDIVIDUAL_CHARTS:
        # An individuals chart's one value, the most common subgroup of all: what the
        # general path below computes for it (mean = the value, range 0, no s), directly.
        threshold = warn_below_count if warn_below_count is not None else 1
        return ValidatedSubgroup(
            n=1.0,
            is_undersized=threshold > 1,
            mean=values[0],
            range=0.0,
            std_dev=None,
            measurements=values,
        )
    limit = 1 if chart_type in INDIVIDUAL_CHARTS else nominal_n
    if size > limit:
        raise InputError(
            "measurements", f"At most {limit} measurement(s) per subgroup here; got {size}."
        )
    minimum, statistic = SPREAD_MINIMUM.get(chart_type, (1, ""))
    if size < minimum:
        raise InputError(
            "measurements",
            f"An {CHART_LABELS[chart_type]} subgroup needs at least {minimum} measurements "
            f"to have {statistic}; got {size}.",
        )
    if size < min(min_measurements, limit):
        raise InputError(
            "measurements", f"At least {min_measurements} measurements are required; got {size}."
        )
    threshold = warn_below_count if warn_below_count is not None else limit
    return ValidatedSubgroup(
        n=float(size),
        is_undersized=size < threshold,
        mean=math.fsum(values) / size,
        range=subgroup_range(values),
        std_dev=subgroup_stddev(values),
        measurements=values,
    )
