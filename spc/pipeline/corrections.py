"""Signed correction of a stored sample, and the judgement of it and the samples after it.

An Engineer or QA Manager corrects a mistyped measurement (or an attribute sample's count)
with a reason and an electronic signature. In one transaction, holding the
characteristic's row as the pipeline does:

* the measurements (or count) are replaced; the values before and after are kept in a
  :class:`spc.quality_records.SampleCorrection` and in the audit trail (CORRECT... rows as
  ``CHANGE`` of ``spc.Sample``, signed);
* the corrected sample and every later sample of the characteristic are judged again, the
  way :func:`spc.pipeline.phase_one.evaluate_phase_one` judges a baseline: through the
  core's ``evaluate`` over a rolling window rebuilt from the stored points before the
  corrected sample, with the characteristic's rules and limits; each gets its plotted value,
  limits, z, zone and chart memory again;
* violations follow: a (sample, rule) no longer signalled is closed as superseded if still
  open (an acknowledged one stays as the record of what was seen then); a new one is
  written with the pipeline's episode logic (``spc.pipeline.rows.write_violations``);
* the revision is bumped and the chart data token touched (as an exclusion does), so every
  window and cached chart is rebuilt, and open pages re-fetch.

Only samples judged under the limits in force can be corrected: a sample before the last
limit change belongs to a closed stage whose limits the later samples no longer share.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from alerts.models import Violation
from alerts.services import SUPERSEDED, superseded_reason
from audit import trail
from audit.models import AuditEntry
from audit.signatures import CORRECTION, require_reason, sign
from spc.core.errors import InputError
from spc.core.evaluate import Evaluation, evaluate, window_capacity
from spc.core.plausibility import ValueLabel, check_plausible, outside_spec
from spc.core.types import ChartType
from spc.core.window import RollingWindow
from spc.models import Characteristic, LimitSet, Measurement, Sample
from spc.pipeline import chart_revisions, events
from spc.pipeline.config import config_for
from spc.pipeline.phase_one import POINT_COLUMNS, subgroup_of
from spc.pipeline.rows import key_of, write_violations
from spc.pipeline.windows import POINT_FIELDS, point_from_row, windows
from spc.quality_records import SampleCorrection

#: The comment of a violation closed because a correction took away what raised it; the
#: chart leaves such violations off their points (``spc.charts.quality_marks``).
SUPERSEDED_BY_CORRECTION = "Closed as superseded: sample {} was corrected."
RESTATED = [*POINT_COLUMNS, "state", "actual_n", "is_undersized", "mean", "range", "std_dev"]


@dataclass
class _Judged:
    """A re-judged sample and its new signals (``spc.pipeline.rows.Evaluated``)."""

    char: Characteristic
    evaluation: Evaluation
    previous: Hashable | None
    involved: list[list[Hashable]]
    sample: Sample | None
    violations: list[Violation] = field(default_factory=list)


def _finite(values: Sequence[Any], name: str) -> list[float]:
    out = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(name, "Numbers only.")
        if not math.isfinite(value):
            raise InputError(name, "A finite number is required.")
        out.append(float(value))
    return out


def _new_values(
    char: Characteristic,
    sample: Sample,
    measurements: Sequence[Any] | None,
    count: Any,
    sample_size: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(old, new) values of the correction, checked against the chart and the sample."""
    if ChartType(char.chart_type).is_attribute:
        if count is None:
            raise InputError("count", "Give the corrected count.")
        new_count = _finite([count], "count")[0]
        size = (
            sample.sample_size if sample_size is None else _finite([sample_size], "sample_size")[0]
        )
        old: dict[str, Any] = {"count": sample.count, "sample_size": sample.sample_size}
        new: dict[str, Any] = {"count": new_count, "sample_size": size}
    else:
        before = [m.value for m in sample.measurements.all()]
        if not measurements:
            raise InputError("measurements", "Give the corrected measurements.")
        values = _finite(list(measurements), "measurements")
        if before and len(values) != len(before):
            raise InputError(
                "measurements", f"Give {len(before)} values, one per measurement of the sample."
            )
        check_plausible(
            values,
            char.plausible_low,
            char.plausible_high,
            ValueLabel(char.name, char.unit, char.decimal_places),
        )
        old = {"measurements": before}
        new = {"measurements": values}
    if old == new:
        raise InputError("non_field_errors", "The corrected values are the stored ones.")
    return old, new


def _check_stage(char: Characteristic, sample: Sample) -> None:
    """Refuse a sample judged under limits no longer in force."""
    changed_after = LimitSet.objects.filter(
        characteristic=char, after_sample_id__gte=sample.pk
    ).exists()
    if changed_after:
        raise InputError(
            "non_field_errors",
            "The limits changed after this sample: it belongs to a closed stage. "
            "Exclude it (with the reason) instead.",
        )


def _window_before(char: Characteristic, sample: Sample, capacity: int) -> RollingWindow:
    """The included stored points before ``sample``, as the pipeline's window had them."""
    rows = list(
        Sample.objects.filter(characteristic=char, is_excluded=False, id__lt=sample.pk)
        .order_by("-id")
        .values(*POINT_FIELDS)[:capacity]
    )
    rows.reverse()
    return RollingWindow.from_points(((point_from_row(r), r["id"]) for r in rows), capacity)


def _write(char: Characteristic, sample: Sample, new: dict[str, Any]) -> None:
    """Store the corrected values on the sample (and its measurement rows)."""
    if "measurements" in new:
        rows = list(sample.measurements.order_by("position"))
        if rows:
            for row, value in zip(rows, new["measurements"], strict=True):
                row.value = value
            Measurement.objects.bulk_update(rows, ["value"])
        else:  # an imported summary row: its one value is the mean
            sample.mean = new["measurements"][0]
        measured = new["measurements"]
        sample.out_of_spec = outside_spec((*measured,), char.lsl, char.usl)
    else:
        sample.count, sample.sample_size = new["count"], new["sample_size"]
    sample.save(update_fields=["mean", "out_of_spec", "count", "sample_size"])
    if hasattr(sample, "_prefetched_objects_cache"):
        sample._prefetched_objects_cache.clear()


def rejudge_from(char: Characteristic, first: Sample) -> tuple[int, list[int], int]:
    """Judge ``first`` and every later sample again (see the module docstring).

    Returns (samples restated, violation ids closed as superseded, violations raised).
    """
    config = config_for(char)
    chart = ChartType(char.chart_type)
    capacity = window_capacity(config)
    window = _window_before(char, first, capacity)
    keys = window.keys()
    previous = keys[-1] if keys else None
    samples = list(
        Sample.objects.filter(characteristic=char, id__gte=first.pk)
        .order_by("id")
        .prefetch_related("measurements")
    )
    existing = {
        (v.sample_id, v.rule): v
        for v in Violation.objects.filter(characteristic=char, sample_id__gte=first.pk)
    }
    signalled: set[tuple[int, int]] = set()
    judged: list[_Judged] = []
    for sample in samples:
        try:
            evaluation = evaluate(window, subgroup_of(sample, chart), config)
        except InputError:
            if sample.pk == first.pk:
                raise  # the correction itself does not fit the chart
            window, previous = RollingWindow(capacity), None  # as Phase I review does
            continue
        point = evaluation.point
        for name, value in (
            ("value", point.value),
            ("secondary_value", point.secondary_value),
            ("center_line", point.center_line),
            ("ucl", point.ucl),
            ("lcl", point.lcl),
            ("z_score", point.z),
            ("zone", point.zone.value if point.zone else ""),
            ("state", list(point.state)),
            ("actual_n", point.n),
            ("is_undersized", point.is_undersized),
            ("mean", point.mean),
            ("range", point.range),
            ("std_dev", point.std_dev),
        ):
            setattr(sample, name, value)
        if sample.is_excluded:
            continue
        fresh = [s for s in evaluation.signals if (sample.pk, int(s.rule)) not in existing]
        signalled.update((sample.pk, int(s.rule)) for s in evaluation.signals)
        if fresh:
            involved = [[key_of(window, i, sample.pk) for i in s.involved] for s in fresh]
            judged.append(
                _Judged(char, replace(evaluation, signals=tuple(fresh)), previous, involved, sample)
            )
        window.append(point, sample.pk)
        previous = sample.pk
    Sample.objects.bulk_update(samples, RESTATED, batch_size=500)
    write_violations(judged, {}, timezone.now())
    gone = [
        v.pk for key, v in existing.items() if key not in signalled and v.acknowledged_at is None
    ]
    if gone:
        Violation.objects.filter(pk__in=gone).update(
            acknowledged_at=timezone.now(),
            reason_code=superseded_reason(),
            comment=SUPERSEDED_BY_CORRECTION.format(first.pk),
        )
    return len(samples), gone, sum(len(item.violations) for item in judged)


def correct_sample(
    sample: Sample,
    *,
    user: Any,
    password: str | None,
    reason: str | None,
    measurements: Sequence[Any] | None = None,
    count: Any = None,
    sample_size: Any = None,
) -> SampleCorrection:
    """Correct ``sample`` (signed by ``user`` with ``password``, ``reason`` required) and
    judge it and the samples after it again. Raises ``InputError``/``ChangeRefused`` on
    the field at fault; nothing is written then."""
    why = require_reason(reason)
    signature = sign(user, password, CORRECTION)
    char = Characteristic.objects.select_related("hierarchy").get(pk=sample.characteristic_id)
    with windows.lock(char.pk), transaction.atomic():
        Characteristic.objects.select_for_update().filter(pk=char.pk).values("pk").first()
        sample = Sample.objects.prefetch_related("measurements").get(pk=sample.pk)
        _check_stage(char, sample)
        old, new = _new_values(char, sample, measurements, count, sample_size)
        _write(char, sample, new)
        restated, gone, raised = rejudge_from(char, sample)
        correction = SampleCorrection.objects.create(
            sample=sample,
            characteristic=char,
            old_values=old,
            new_values=new,
            reason=why,
            corrected_by=user,
            corrected_at=signature.time,
            signature_meaning=signature.meaning,
            recomputed_samples=restated,
        )
        trail.record(
            AuditEntry.Action.CHANGE,
            sample,
            object_repr=f"Sample {sample.pk} of {char.name} (corrected)",
            path=char.hierarchy.path,
            old=old,
            new={**new, "recomputed_samples": restated, "superseded_violations": gone},
            reason=why,
            signature=signature,
        )
        for violation_id in gone:
            trail.record(
                AuditEntry.Action.ACKNOWLEDGE,
                object_type=Violation._meta.label,
                object_id=violation_id,
                object_repr=f"Violation {violation_id} of {char.name}",
                path=char.hierarchy.path,
                old={"acknowledged_at": None},
                new={"reason_code": SUPERSEDED, "raised_instead": raised},
                reason=f"Closed as superseded: sample {sample.pk} was corrected.",
                user=user,
            )
        Characteristic.objects.filter(pk=char.pk).update(revision=F("revision") + 1)
        chart_revisions.touch([char.pk])
        windows.invalidate(char.pk)
        events.limits_changed(char.pk, char.hierarchy.path)
    return correction
