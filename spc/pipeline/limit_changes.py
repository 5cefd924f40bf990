"""Limit management and sample exclusion: every change of what a chart is judged against.

Each function records who changed what in the limit history where limits change and in
the audit trail (with the electronic signature the caller checked, if any), bumps
the characteristic's ``revision`` so every process rebuilds its rolling window, and tells
open pages to re-fetch after commit.

A recalculation that stores limits also settles what was judged before, in the same
transaction: the open violations raised under the old limits are closed as superseded
(``alerts.services.supersede_open``: acknowledged by the system with the SUPERSEDED reason
code and a note naming the new limit set), and the samples stored without limits (Phase I)
are evaluated against the new ones when the caller asks (``spc.pipeline.phase_one``).
Stored points of earlier stages keep their own limits. A recalculation may also set the
limit width k and the variable-n method (``limit_sigma``, ``variable_n_method``): they are
stored on the characteristic with the limits they produced and copied to the limit set,
so the limits in force and their width never disagree. Manual limit edits and clearing
leave open violations open (they have no preview to say so).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F

from alerts.services import open_violation_count, supersede_open
from audit import trail
from audit.models import AuditEntry
from audit.signatures import Signature
from spc.choices import LimitMethod
from spc.core.errors import InputError, ZeroSpreadError
from spc.core.laney import sigma_z_of
from spc.core.recalc import recalculate
from spc.core.types import ChartType, VariableNMethod
from spc.core.widths import check_limit_sigma, check_variable_n_method
from spc.models import Characteristic, LimitSet, Sample
from spc.pipeline import chart_revisions, events, parts
from spc.pipeline.phase_one import evaluate_phase_one, phase_one_count, subgroup_of
from spc.pipeline.windows import windows

MAX_BASELINE = 10_000


@dataclass(frozen=True)
class LimitPreview:
    """Limits computed from a baseline, and whether they were stored.

    ``center_line``/``ucl``/``lcl`` are stated at ``summary_sample_size`` for the reason
    ``sample_size_basis`` gives (NOMINAL, or AVERAGE for a p, np or u baseline whose sample
    sizes were not all the nominal n; None for c charts). ``phase_one_samples`` samples
    were stored without limits and are (preview: would be) evaluated against these when
    ``evaluate_baseline``; ``baseline_violations`` is how many violations that raised
    (None unless stored and evaluated). ``superseded_violations`` open violations raised
    under the old limits are (preview: will be) closed as superseded. ``limit_sigma`` is
    the width k the limits are at, ``variable_n_method`` the X-bar charts' method for
    varying n, ``sigma_z`` Laney's sigma-Z (p′ and u′ charts; None otherwise).
    """

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
    sample_size_basis: str | None = None
    summary_sample_size: float | None = None
    phase_one_samples: int = 0
    evaluate_baseline: bool = False
    baseline_violations: int | None = None
    superseded_violations: int = 0
    limit_sigma: float = 3.0
    variable_n_method: str = VariableNMethod.UNBIASED.value
    sigma_z: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON responses."""
        return asdict(self)


def baseline_samples(
    char: Characteristic,
    *,
    last_n: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    sample_ids: Sequence[int] | None = None,
) -> list[Sample]:
    """The included samples a recalculation uses, oldest first by source time (``last_n``:
    the newest by source time)."""
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
        newest = qs.order_by("-timestamp", "-id").values_list("id", flat=True)
        qs = Sample.objects.filter(pk__in=list(newest[: min(last_n, MAX_BASELINE)]))
    # Source-time order (issue 22): a late sample sits where it was measured, as on the chart.
    samples = list(qs.order_by("timestamp", "id").prefetch_related("measurements")[:MAX_BASELINE])
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
    evaluate_baseline: bool = False,
    limit_sigma: float | None = None,
    variable_n_method: str | None = None,
) -> LimitPreview:
    """Compute limits from a baseline; store them (with history) unless ``dry_run``.

    ``limit_sigma`` and ``variable_n_method`` (None: the characteristic's) are the width
    and variable-n method to compute with; storing sets them on the characteristic.

    Storing closes the open violations as superseded and, with ``evaluate_baseline`` (which
    the admin page and the API turn on by default; jobs and the demo seed leave it off),
    evaluates the Phase I samples against the new limits (see the module docstring).
    """
    chart_type = ChartType(char.chart_type)
    k, method = _width_settings(char, chart_type, limit_sigma, variable_n_method)
    samples = baseline_samples(char, last_n=last_n, start=start, end=end, sample_ids=sample_ids)
    table = parts.tables([char.pk]).get(char.pk, {}) if parts.is_short_run(chart_type) else None
    try:
        result = recalculate(
            chart_type,
            [subgroup_of(s, chart_type, table) for s in samples],
            char.subgroup_size,
            drop_out_of_control=exclude_out_of_control,
            ewma_lambda=char.ewma_lambda,
            ewma_l=char.ewma_l,
            cusum_k=char.cusum_k,
            cusum_h=char.cusum_h,
            target=char.target,
            k=k,
            variable_n=method,
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
        sample_size_basis=result.sample_size_basis,
        summary_sample_size=result.summary_sample_size,
        phase_one_samples=(phase_one := phase_one_count(char)),
        evaluate_baseline=evaluate_baseline and phase_one > 0,
        superseded_violations=open_violation_count(char.pk),
        limit_sigma=k,
        variable_n_method=method.value,
        sigma_z=limits.sigma_z,
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
        "sample_size_basis": preview.sample_size_basis,
        "summary_sample_size": preview.summary_sample_size,
    }
    with transaction.atomic():
        limit_set = _store_limits(
            char,
            LimitMethod.RECALCULATED,
            values=preview.as_dict(),
            user=user,
            reason=reason,
            baseline=baseline,
            exclude_out_of_control=exclude_out_of_control,
            signature=signature,
            settings={"limit_sigma": k, "variable_n_method": method.value},
        )
        note = f"Closed as superseded: limits recalculated (limit set #{limit_set.pk})."
        superseded = supersede_open(char.pk, note=note)
        raised = evaluate_phase_one(char) if preview.evaluate_baseline else None
    return LimitPreview(
        **{
            **preview.as_dict(),
            "stored": True,
            "superseded_violations": len(superseded),
            "baseline_violations": raised,
        }
    )


def _width_settings(
    char: Characteristic, chart_type: ChartType, limit_sigma: Any, variable_n_method: Any
) -> tuple[float, VariableNMethod]:
    """The width k and variable-n method a recalculation uses, checked (InputError)."""
    k = char.limit_sigma if limit_sigma is None else limit_sigma
    check_limit_sigma(k)
    name = char.variable_n_method if variable_n_method is None else variable_n_method
    if name not in set(VariableNMethod):
        raise InputError("variable_n_method", f'"{name}" is not a variable-n method.')
    method = VariableNMethod(name)
    check_variable_n_method(chart_type, method)
    return float(k), method


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
    settings: dict[str, Any] | None = None,
) -> LimitSet:
    """Write the limit columns (and the width ``settings`` they were computed with), the
    history row and the audit row; the history row."""
    columns = {name: values.get(name) for name in LIMIT_COLUMNS}
    if old is None:
        old = {name: getattr(char, name) for name in LIMIT_COLUMNS}
    settings = settings or {}
    sigma_z = values.get("sigma_z")
    center, sigma = columns["center_line"], columns["sigma"]
    if sigma_z is None and center is not None and sigma is not None:
        sigma_z = sigma_z_of(ChartType(char.chart_type), center, sigma)
    with transaction.atomic():
        Characteristic.objects.filter(pk=char.pk).update(
            **columns, **settings, revision=F("revision") + 1
        )
        for name, value in settings.items():
            setattr(char, name, value)
        chart_revisions.touch([char.pk])
        # Read after the update, which waits for any sample being stored under the old
        # limits (the pipeline holds the row), so that sample belongs to the old stage.
        newest = Sample.objects.filter(characteristic=char).order_by("-id").values("id")[:1]
        limit_set = LimitSet.objects.create(
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
            sigma_z=sigma_z,
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
    return limit_set


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
        chart_revisions.touch([char.pk])
        windows.invalidate(char.pk)
        events.limits_changed(char.pk, char.hierarchy.path)
    sample.refresh_from_db()
    return sample
