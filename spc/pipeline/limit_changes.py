"""Limit management and sample exclusion: every change of what a chart is judged against.

Each function records who changed what in the limit history where limits change and in
the audit trail (with the electronic signature the caller checked, if any), bumps
the characteristic's ``revision`` so every process rebuilds its rolling window, and tells
open pages to re-fetch after commit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F

from audit import trail
from audit.models import AuditEntry
from audit.signatures import Signature
from spc.choices import LimitMethod
from spc.core.errors import InputError, ZeroSpreadError
from spc.core.recalc import recalculate
from spc.core.types import ChartType, Subgroup
from spc.models import Characteristic, LimitSet, Sample
from spc.pipeline import events
from spc.pipeline.windows import windows

MAX_BASELINE = 10_000


@dataclass(frozen=True)
class LimitPreview:
    """Limits computed from a baseline, and whether they were stored."""

    center_line: float
    ucl: float
    lcl: float
    sigma: float
    secondary_center_line: float | None
    secondary_ucl: float | None
    secondary_lcl: float | None
    baseline_count: int
    dropped_sample_ids: list[int] = field(default_factory=list)
    stored: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON responses."""
        return asdict(self)


def subgroup_of(sample: Sample, chart_type: ChartType) -> Subgroup:
    """A stored sample as the core's subgroup (measurements prefetched by the caller)."""
    if chart_type.is_attribute:
        return Subgroup(count=sample.count, sample_size=sample.sample_size)
    values = tuple(m.value for m in sample.measurements.all())
    if not values:  # imported summary rows without measurements
        values = (sample.mean if sample.mean is not None else sample.value,)
    return Subgroup(measurements=values)


def baseline_samples(
    char: Characteristic,
    *,
    last_n: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    sample_ids: Sequence[int] | None = None,
) -> list[Sample]:
    """The included samples a recalculation uses, oldest first."""
    chosen = [x for x in (last_n, sample_ids) if x is not None]
    if len(chosen) > 1:
        raise InputError("non_field_errors", "Choose last_n or sample_ids, not both.")
    qs = Sample.objects.filter(characteristic=char, is_excluded=False)
    if start is not None:
        qs = qs.filter(timestamp__gte=start)
    if end is not None:
        qs = qs.filter(timestamp__lte=end)
    if start and end and start > end:
        raise InputError("start", "The start must be before the end.")
    if sample_ids is not None:
        qs = qs.filter(pk__in=list(sample_ids))
    if last_n is not None:
        if last_n < 2:
            raise InputError("last_n", "A baseline needs at least 2 samples.")
        ids = list(qs.order_by("-id").values_list("id", flat=True)[: min(last_n, MAX_BASELINE)])
        qs = Sample.objects.filter(pk__in=ids)
    samples = list(qs.order_by("id").prefetch_related("measurements")[:MAX_BASELINE])
    if len(samples) < 2:
        raise InputError("non_field_errors", "The baseline needs at least 2 included samples.")
    return samples


def recalculate_limits(
    char: Characteristic,
    *,
    last_n: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    sample_ids: Sequence[int] | None = None,
    exclude_out_of_control: bool = False,
    dry_run: bool = False,
    user: Any = None,
    reason: str = "",
    signature: Signature | None = None,
) -> LimitPreview:
    """Compute limits from a baseline; store them (with history) unless ``dry_run``."""
    chart_type = ChartType(char.chart_type)
    samples = baseline_samples(char, last_n=last_n, start=start, end=end, sample_ids=sample_ids)
    try:
        result = recalculate(
            chart_type,
            [subgroup_of(s, chart_type) for s in samples],
            char.subgroup_size,
            drop_out_of_control=exclude_out_of_control,
            ewma_lambda=char.ewma_lambda,
            ewma_l=char.ewma_l,
            cusum_k=char.cusum_k,
            cusum_h=char.cusum_h,
            target=char.target,
        )
    except ZeroSpreadError as exc:
        raise InputError("non_field_errors", exc.message) from exc
    limits = result.limits
    secondary = limits.secondary
    preview = LimitPreview(
        center_line=limits.center_line,
        ucl=limits.ucl,
        lcl=limits.lcl,
        sigma=limits.sigma,
        secondary_center_line=secondary.center_line if secondary else None,
        secondary_ucl=secondary.ucl if secondary else None,
        secondary_lcl=secondary.lcl if secondary else None,
        baseline_count=len(samples) - len(result.dropped),
        dropped_sample_ids=[samples[i].pk for i in result.dropped],
    )
    if dry_run:
        return preview
    baseline = {
        "last_n": last_n,
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
        "sample_ids": list(sample_ids) if sample_ids is not None else None,
        "first_sample_id": samples[0].pk,
        "last_sample_id": samples[-1].pk,
    }
    _store_limits(
        char,
        LimitMethod.RECALCULATED,
        values=preview.as_dict(),
        user=user,
        reason=reason,
        baseline=baseline,
        exclude_out_of_control=exclude_out_of_control,
        signature=signature,
    )
    return LimitPreview(**{**preview.as_dict(), "stored": True})


LIMIT_COLUMNS = (
    "center_line",
    "ucl",
    "lcl",
    "sigma",
    "secondary_center_line",
    "secondary_ucl",
    "secondary_lcl",
)


def _store_limits(
    char: Characteristic,
    method: str,
    *,
    values: dict[str, Any],
    user: Any,
    reason: str,
    baseline: dict[str, Any] | None = None,
    exclude_out_of_control: bool = False,
    signature: Signature | None = None,
    old: dict[str, Any] | None = None,
) -> None:
    columns = {name: values.get(name) for name in LIMIT_COLUMNS}
    if old is None:
        old = {name: getattr(char, name) for name in LIMIT_COLUMNS}
    with transaction.atomic():
        Characteristic.objects.filter(pk=char.pk).update(**columns, revision=F("revision") + 1)
        # Read after the update, which waits for any sample being stored under the old
        # limits (the pipeline holds the row), so that sample belongs to the old stage.
        newest = Sample.objects.filter(characteristic=char).order_by("-id").values("id")[:1]
        LimitSet.objects.create(
            characteristic=char,
            created_by=user if getattr(user, "pk", None) else None,
            method=method,
            after_sample_id=newest[0]["id"] if newest else None,
            **{name: getattr(char, name) for name in LimitSet.STAGE_SETTINGS},
            baseline=baseline or {},
            baseline_count=values.get("baseline_count") or 0,
            exclude_out_of_control=exclude_out_of_control,
            dropped_sample_ids=values.get("dropped_sample_ids") or [],
            reason=reason,
            **columns,
        )
        trail.record(
            AuditEntry.Action.LIMITS,
            char,
            user=user if getattr(user, "pk", None) else None,
            old={"method": None, **old},
            new={"method": str(method), **columns},
            reason=reason,
            signature=signature,
        )
        char.refresh_from_db()
        windows.invalidate(char.pk)
        events.limits_changed(char.pk, char.hierarchy.path)


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(name, "A finite number is required.")
    return float(value)


def set_manual_limits(
    char: Characteristic,
    *,
    center_line: float,
    ucl: float,
    lcl: float,
    sigma: float | None = None,
    user: Any,
    reason: str = "",
    signature: Signature | None = None,
) -> None:
    """Set control limits by hand (keeping the secondary chart's limits as they are)."""
    cl, upper, lower = (
        _number("center_line", center_line),
        _number("ucl", ucl),
        _number("lcl", lcl),
    )
    if not lower < cl < upper:
        raise InputError("non_field_errors", "Limits must satisfy LCL < centre line < UCL.")
    if sigma is not None and _number("sigma", sigma) <= 0:
        raise InputError("sigma", "Sigma must be greater than zero.")
    values = {
        "center_line": cl,
        "ucl": upper,
        "lcl": lower,
        "sigma": sigma,
        "secondary_center_line": char.secondary_center_line,
        "secondary_ucl": char.secondary_ucl,
        "secondary_lcl": char.secondary_lcl,
    }
    _store_limits(
        char, LimitMethod.MANUAL, values=values, user=user, reason=reason, signature=signature
    )


def record_limit_edit(
    char: Characteristic,
    *,
    user: Any,
    reason: str = "",
    signature: Signature | None = None,
    old: dict[str, Any] | None = None,
) -> None:
    """Record limits already written to ``char`` (an admin edit) in the history;
    ``old`` holds the limit columns before the edit."""
    values = {name: getattr(char, name) for name in LIMIT_COLUMNS}
    method = LimitMethod.MANUAL if char.center_line is not None else LimitMethod.CLEARED
    _store_limits(
        char, method, values=values, user=user, reason=reason, signature=signature, old=old
    )


def clear_limits(
    char: Characteristic, *, user: Any, reason: str = "", signature: Signature | None = None
) -> None:
    """Remove the control limits: the characteristic goes back to Phase I."""
    _store_limits(
        char, LimitMethod.CLEARED, values={}, user=user, reason=reason, signature=signature
    )


def set_excluded(
    sample: Sample,
    excluded: bool,
    *,
    reason: str = "",
    user: Any = None,
    signature: Signature | None = None,
) -> Sample:
    """Exclude a sample from rules and baselines (reason required) or include it again."""
    reason = (reason or "").strip()
    if excluded and not reason:
        raise InputError("exclusion_reason", "Say why the sample is excluded.")
    if len(reason) > 255:
        raise InputError("exclusion_reason", "At most 255 characters.")
    char = Characteristic.objects.select_related("hierarchy").get(pk=sample.characteristic_id)
    old = {"is_excluded": sample.is_excluded, "exclusion_reason": sample.exclusion_reason}
    new = {"is_excluded": excluded, "exclusion_reason": reason if excluded else ""}
    with windows.lock(char.pk), transaction.atomic():
        Sample.objects.filter(pk=sample.pk).update(**new)
        trail.record(
            AuditEntry.Action.EXCLUDE if excluded else AuditEntry.Action.INCLUDE,
            sample,
            user=user if getattr(user, "pk", None) else None,
            object_repr=f"Sample {sample.pk} of {char.name}",
            path=char.hierarchy.path,
            old=old,
            new=new,
            reason=reason,
            signature=signature,
        )
        Characteristic.objects.filter(pk=char.pk).update(revision=F("revision") + 1)
        windows.invalidate(char.pk)
        events.limits_changed(char.pk, char.hierarchy.path)
    sample.refresh_from_db()
    return sample
