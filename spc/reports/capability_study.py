"""Capability study of a characteristic: loads the included measurements, calls the core.

The Django side of :func:`spc.core.capability.capability` and
:func:`spc.core.capability_assessment.assess`. It only loads and maps: the statistics are
the core's. Used by the capability page, the reports and
``GET /api/v1/characteristics/{id}/capability/``.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

import numpy as np
from django.utils import timezone

from spc.core.capability import Capability, capability
from spc.core.capability_assessment import MOVING_RANGE, assess, within_estimator, within_sigma
from spc.core.errors import InputError
from spc.core.probability_plot import probability_plot
from spc.core.shortrun import SHORT_RUN
from spc.core.types import ChartType
from spc.models import Characteristic, LimitSet, Measurement, Sample, SampleQuerySet
from spc.reports.capability_nonnormal import nonnormal_part
from spc.reports.stability import study_stability

#: Rows fetched per round trip while streaming measurement values out of the database.
CHUNK_SIZE = 20_000
ROW = np.dtype([("sample", "i8"), ("value", "f8")])


def capability_study(
    char: Characteristic,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    distribution: str | None = None,
    lam: float | None = None,
    strict: bool = True,
    judge_fit: bool = True,
) -> dict[str, Any]:
    """Capability of ``char`` over its included samples with start ≤ timestamp ≤ end.

    Excluded samples are left out (and counted in ``excluded_count``). σ within is the
    chart's own estimator (R̄/d₂, S̄/c₄, MR̄/d₂(2), pooled) over the study's subgroups in
    source-time order (``sigma_within_source`` "estimated"); only when they give no
    estimate (fewer than 2 subgroups, no spread within them) the characteristic's stored
    σ from its last limit calculation ("stored"), else none (None).
    ``sigma_within_method`` says which, in words. ``stability`` counts open violations and
    points beyond the control limits in the range; ``verdict`` is the honest verdict of
    :func:`~spc.core.capability_assessment.assess` (``index_verdict`` what the index alone
    says, ``verdict_text`` the headline, ``warnings`` the reasons for care).

    Returns plain JSON-able data: every field of the core's ``Capability``
    (``cp, cpk, pp, ppk, cpm, sigma_within, sigma_overall``, PPM ...) plus the
    characteristic, the range, the counts and the normal probability plot.

    ``distribution`` (a name of :data:`spc.core.nonnormal.CHOICES` or "auto") adds the
    non-normal study as ``nonnormal`` (None without it): the fit table, the chosen model,
    its percentile indices and expected PPM (``lam`` fixes the Box-Cox λ). With
    ``judge_fit`` the verdict then weighs the chosen model's fit and percentile Ppk instead
    of normality; without it the normal verdict stands and the fit is information. When the
    non-normal study is refused (fewer than 10 values, non-positive values for the chosen
    family) ``strict`` raises the ``InputError``; otherwise ``nonnormal_error`` says why.

    Raises ``InputError`` (field ``characteristic``) for an attribute or short-run chart, and
    ``InputError``/``ZeroSpreadError`` (field ``non_field_errors``) when the core cannot
    compute a study: no spec limit, fewer than 2 values, zero spread.
    """
    if ChartType(char.chart_type).is_attribute:
        raise InputError(
            "characteristic", "Capability studies need a variables chart, not an attribute chart."
        )
    if ChartType(char.chart_type) in SHORT_RUN:
        raise InputError(
            "characteristic",
            "A short-run chart mixes parts with different nominals: its measurements have no "
            "single specification, so study each part number's capability on its own.",
        )
    samples = _samples_in_range(char, start, end)
    included = samples.included()
    rows = measurement_rows(included)
    values = rows["value"]
    groups = _subgroups(rows)
    sigma_within, source, method = _sigma_within(char, groups)
    result = capability(
        values, usl=char.usl, lsl=char.lsl, target=char.target, sigma_within=sigma_within
    )
    stability = study_stability(char, included)
    assessment = assess(result, stability)
    nonnormal, nonnormal_error = None, ""
    if distribution is not None:
        nonnormal, nonnormal_error, weighed = nonnormal_part(
            values, result, stability, usl=char.usl, lsl=char.lsl,
            distribution=distribution, lam=lam, strict=strict,
        )  # fmt: skip
        if weighed is not None and judge_fit:
            assessment = weighed
    plot = probability_plot(values, mean=result.mean, sigma=result.sigma_overall)
    return {
        "characteristic": _summary(char),
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
        "sample_count": stability.points,
        "excluded_count": samples.filter(is_excluded=True).count(),
        "sigma_within_source": source,
        "sigma_within_method": method,
        **capability_dict(result),
        "verdict": assessment.verdict,
        "index_verdict": assessment.index_verdict,
        "verdict_text": assessment.headline,
        "warnings": list(assessment.warnings),
        "in_control": assessment.in_control,
        "is_normal": assessment.normal,
        "stability": {**asdict(stability), "in_control": stability.in_control},
        "probability_plot": {k: _plain(v) for k, v in asdict(plot).items()},
        "nonnormal": nonnormal,
        "nonnormal_error": nonnormal_error,
    }


def capability_dict(result: Capability) -> dict[str, Any]:
    """The core result as JSON-able data (tuples become lists, nested dataclasses dicts)."""
    data = asdict(result)
    data["histogram"] = {
        key: None if value is None else list(value) for key, value in data["histogram"].items()
    }
    if data["normality"] is not None:
        data["normality"]["test"] = "anderson-darling"
    return data


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def measurement_rows(samples: SampleQuerySet) -> np.ndarray:
    """(sample id, value) of every measurement of ``samples``, samples in source-time order
    (a late sample where it was measured, as on the chart) then by position, as one
    structured array (fields ``sample`` and ``value``)."""
    rows = (
        Measurement.objects.filter(sample__in=samples)
        .order_by("sample_id", "position")
        .values_list("sample_id", "value")
    )
    data = np.fromiter(rows.iterator(chunk_size=CHUNK_SIZE), dtype=ROW)
    # The samples' source-time order, applied in numpy: a sort by a joined column would make
    # the database sort every measurement, and most series arrived in order anyway.
    by_time = np.fromiter(
        samples.order_by("timestamp", "id").values_list("id", flat=True), dtype=np.int64
    )
    by_id = np.sort(by_time)
    if data.size == 0 or np.array_equal(by_time, by_id):
        return data
    rank = np.empty(by_time.size, dtype=np.int64)
    rank[np.searchsorted(by_id, by_time)] = np.arange(by_time.size)
    key = rank[np.searchsorted(by_id, data["sample"])]
    return data[np.argsort(key, kind="stable")]


def measurement_values(samples: SampleQuerySet) -> np.ndarray:
    """Every measurement value of ``samples`` as a float array, in sample then position order."""
    return np.ascontiguousarray(measurement_rows(samples)["value"])


def _subgroups(rows: np.ndarray) -> np.ndarray | list[list[float]]:
    """The values of each sample, samples in source-time order: one 2-D array when
    every sample has as many values (a million values stay one block), else a list."""
    if rows.size == 0:
        return []
    values = np.ascontiguousarray(rows["value"])
    starts = np.flatnonzero(np.diff(rows["sample"])) + 1
    sizes = np.diff(np.concatenate(([0], starts, [values.size])))
    if np.all(sizes == sizes[0]):
        return values.reshape(-1, int(sizes[0]))
    return [part.tolist() for part in np.split(values, starts)]


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
    char: Characteristic, groups: np.ndarray | list[list[float]]
) -> tuple[float | None, str | None, str]:
    """(σ within, source, sentence): the chart estimator over the study's subgroups, else
    the stored σ of the last limit calculation, else None."""
    estimator = within_estimator(char.chart_type, char.subgroup_size)
    try:
        sigma = within_sigma(char.chart_type, char.subgroup_size, groups)
    except ValueError as exc:  # too few subgroups or no spread within them
        reason = exc.message if isinstance(exc, InputError) else str(exc)
        return _stored_sigma(char, reason)
    if estimator == MOVING_RANGE:
        what = f"{len(groups)} values ({len(groups) - 1} moving ranges)"
    else:
        what = f"{sum(len(g) >= 2 for g in groups)} subgroups"
    return sigma, "estimated", f"σ within = {estimator} from the study's {what}"


def _stored_sigma(char: Characteristic, reason: str) -> tuple[float | None, str | None, str]:
    why = f"the study's own subgroups give no estimate ({reason.rstrip('.')})"
    if char.sigma is None:
        return None, None, f"No σ within: {why} and no control limits are stored."
    last = LimitSet.objects.filter(characteristic=char, sigma__isnull=False).first()
    if last is None:
        return char.sigma, "stored", f"σ within from the stored control limits: {why}."
    when = timezone.localtime(last.created_at).date().isoformat()
    return (
        char.sigma,
        "stored",
        f"σ within from the limit baseline of {when} ({last.baseline_count} subgroups): {why}.",
    )


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
