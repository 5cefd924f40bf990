"""Validation of one subgroup for its chart and the statistics computed from it."""

from __future__ import annotations

import math
from dataclasses import dataclass

from spc.core.errors import InputError
from spc.core.estimators import subgroup_range, subgroup_stddev
from spc.core.types import ChartType, Subgroup, SubgroupMode

INDIVIDUAL_CHARTS = (ChartType.I_MR,)


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
    return "defectives" if chart_type in (ChartType.P, ChartType.NP) else "defects"


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
    if chart_type in (ChartType.P, ChartType.NP):
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

    Raises ``InputError`` for empty, non-finite, too small (below ``min_measurements``) or
    oversized (above the nominal n) subgroups and for the wrong kind of data for the chart.
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
    limit = 1 if chart_type in INDIVIDUAL_CHARTS else nominal_n
    if size > limit:
        raise InputError(
            "measurements", f"At most {limit} measurement(s) per subgroup here; got {size}."
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
