"""Capability study of a characteristic: loads the included measurements, calls the core.

The Django side of :func:`spc.core.capability.capability`. It only loads and maps: the
statistics are the core's. Used by the capability page, the reports and
``GET /api/v1/characteristics/{id}/capability/``.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

import numpy as np

from spc.core.capability import Capability, capability
from spc.core.errors import InputError
from spc.core.limits import compute_limits
from spc.core.types import ChartType, Subgroup
from spc.models import Characteristic, Measurement, Sample, SampleQuerySet

#: Rows fetched per round trip while streaming measurement values out of the database.
CHUNK_SIZE = 20_000


def capability_study(
    char: Characteristic, *, start: datetime | None = None, end: datetime | None = None
) -> dict[str, Any]:
    """Capability of ``char`` over its included samples with start ≤ timestamp ≤ end.

    Excluded samples are left out (and counted in ``excluded_count``). Within-σ is the
    characteristic's stored ``sigma`` (from its last limit recalculation) or, without
    one, the chart's own estimator (R̄/d2, S̄/c4, MR̄/d2(2)) over the study's samples;
    ``sigma_within_source`` says which ("stored", "estimated" or None when neither
    exists). Returns plain JSON-able data: every field of the core's ``Capability``
    (``cp, cpk, pp, ppk, cpm, sigma_within, sigma_overall`` ...) plus the characteristic,
    the range and the counts.

    Raises ``InputError`` (field ``characteristic``) for an attribute chart, and
    ``InputError``/``ZeroSpreadError`` (field ``non_field_errors``) when the core cannot
    compute a study: no spec limit, fewer than 2 values, zero spread.
    """
    if ChartType(char.chart_type).is_attribute:
        raise InputError(
            "characteristic", "Capability studies need a variables chart, not an attribute chart."
        )
    samples = _samples_in_range(char, start, end)
    included = samples.included()
    values = measurement_values(included)
    sigma_within, source = _sigma_within(char, included)
    result = capability(
        values, usl=char.usl, lsl=char.lsl, target=char.target, sigma_within=sigma_within
    )
    return {
        "characteristic": _summary(char),
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
        "sample_count": included.count(),
        "excluded_count": samples.filter(is_excluded=True).count(),
        "sigma_within_source": source,
        **capability_dict(result),
    }


def capability_dict(result: Capability) -> dict[str, Any]:
    """The core result as JSON-able data (tuples become lists, nested dataclasses dicts)."""
    data = asdict(result)
    data["histogram"] = {key: list(value) for key, value in data["histogram"].items()}
    if data["normality"] is not None:
        data["normality"]["test"] = "anderson-darling"
    return data


def measurement_values(samples: SampleQuerySet) -> np.ndarray:
    """Every measurement value of ``samples`` as a float array, in sample then position order."""
    rows = (
        Measurement.objects.filter(sample__in=samples)
        .order_by("sample_id", "position")
        .values_list("value", flat=True)
    )
    return np.fromiter(rows.iterator(chunk_size=CHUNK_SIZE), dtype=float)


def _samples_in_range(
    char: Characteristic, start: datetime | None, end: datetime | None
) -> SampleQuerySet:
    qs = Sample.objects.filter(characteristic=char)
    if start is not None:
        qs = qs.filter(timestamp__gte=start)
    if end is not None:
        qs = qs.filter(timestamp__lte=end)
    return qs


def _sigma_within(
    char: Characteristic, included: SampleQuerySet
) -> tuple[float | None, str | None]:
    """The stored sigma, else the chart estimator's over ``included``; None if neither."""
    if char.sigma is not None:
        return char.sigma, "stored"
    subgroups = [
        Subgroup(measurements=tuple(m.value for m in s.measurements.all()))
        for s in included.order_by("id").prefetch_related("measurements")
    ]
    try:
        limits = compute_limits(ChartType(char.chart_type), subgroups, char.subgroup_size)
    except ValueError:  # too few subgroups or zero spread: no within estimate
        return None, None
    return limits.sigma, "estimated"


def _summary(char: Characteristic) -> dict[str, Any]:
    return {
        "id": char.pk,
        "name": char.name,
        "node_id": char.hierarchy_id,
        "chart_type": char.chart_type,
        "subgroup_size": char.subgroup_size,
        "unit": char.unit,
        "decimal_places": char.decimal_places,
    }
