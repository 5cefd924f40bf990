"""The rows a batch writes: samples, measurements and violations with their episodes.

``Job`` is a cleaned input on its way through a batch, ``Stored`` a job evaluated against
its window; ``write`` inserts a batch's rows with a few bulk statements.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from django.utils import timezone

from alerts.models import Violation
from spc.core.evaluate import Evaluation
from spc.core.plausibility import outside_spec
from spc.core.types import Subgroup, Zone
from spc.core.window import RollingWindow
from spc.models import Characteristic, Measurement, Sample
from spc.pipeline.bulk_rows import insert_objects, insert_tuples, unsaved, update_column
from spc.pipeline.inputs import SubgroupInput


@dataclass(slots=True)
class Job:
    """One cleaned input on its way through a batch."""

    index: int
    data: SubgroupInput
    subgroup: Subgroup
    stamp: datetime
    key: str | None


@dataclass(slots=True)
class Stored:
    """A job evaluated against its window, waiting for its rows to be written."""

    job: Job
    char: Characteristic
    evaluation: Evaluation
    placeholder: int
    previous: Hashable | None
    involved: list[list[Hashable]]
    sample: Sample | None = None
    violations: list[Violation] = field(default_factory=list)


def write(
    stored: list[Stored], touched: dict[int, tuple[Characteristic, int, RollingWindow]]
) -> None:
    """Insert the samples, measurements and violations of a batch with bulk statements."""
    if not stored:
        return
    now = timezone.now()
    samples = [sample_row(item, now) for item in stored]
    insert_objects(samples)
    ids: dict[Hashable, Hashable] = {}
    for item, sample in zip(stored, samples, strict=True):
        item.sample = sample
        ids[item.placeholder] = sample.id
        sample.measurement_values = list(item.job.subgroup.measurements)  # type: ignore[attr-defined]
    for _, _, window in touched.values():
        window.rekey(ids)
    _insert_measurements(stored)
    write_violations([item for item in stored if item.evaluation.signals], ids, now)


def _insert_measurements(stored: list[Stored]) -> None:
    """The measurements of a batch in one ``executemany``: model instances for thousands
    of three-column rows cost more than the rest of the batch."""
    rows = [
        (item.sample.id, position, value)  # type: ignore[union-attr]
        for item in stored
        for position, value in enumerate(item.job.subgroup.measurements)
    ]
    insert_tuples(Measurement, ("sample", "position", "value"), rows)


class Evaluated(Protocol):
    """A stored sample with the evaluation that judged it (``Stored``, or a Phase I sample
    evaluated when the first limits are stored): what its violations are written from.
    ``previous`` is the key of the characteristic's previous included sample."""

    @property
    def char(self) -> Characteristic: ...
    @property
    def evaluation(self) -> Evaluation: ...
    @property
    def previous(self) -> Hashable | None: ...
    @property
    def involved(self) -> list[list[Hashable]]: ...
    @property
    def sample(self) -> Sample | None: ...
    @property
    def violations(self) -> list[Violation]: ...


def write_violations(
    stored: Sequence[Evaluated], ids: dict[Hashable, Hashable], now: datetime
) -> None:
    """Violations with their episodes: a rule that also fired on the characteristic's
    previous sample (unacknowledged) continues that episode; otherwise it starts one.
    ``ids`` maps placeholder keys to stored sample ids."""
    if not stored:
        return
    earlier = [p for p in (item.previous for item in stored) if isinstance(p, int) and p > 0]
    # By sample only, acknowledgement checked here: with ``acknowledged_at IS NULL`` in
    # the query, stale statistics had PostgreSQL read the whole index of unacknowledged
    # violations (tens of thousands) for a handful of samples.
    open_episodes: dict[tuple[Hashable, int], int | Violation | None] = (
        {
            (sample_id, rule): episode
            for sample_id, rule, episode, acknowledged_at in Violation.objects.filter(
                sample_id__in_array=earlier
            )
            .order_by()
            .values_list("sample_id", "rule", "episode", "acknowledged_at")
            if acknowledged_at is None
        }
        if earlier
        else {}
    )
    rows: list[Violation] = []
    heads: list[Violation] = []
    for item in stored:
        assert item.sample is not None
        for signal, involved in zip(item.evaluation.signals, item.involved, strict=True):
            rule = int(signal.rule)
            violation = Violation(
                sample_id=item.sample.id,
                characteristic_id=item.char.id,
                rule=rule,
                severity=signal.severity.value,
                created_at=now,
                involved_sample_ids=[int(ids.get(k, k)) for k in involved],  # type: ignore[call-overload]
            )
            previous = ids.get(item.previous, item.previous)
            episode = open_episodes.get((previous, rule))
            if isinstance(episode, int):
                violation.episode = episode
            else:
                violation.head = episode or violation  # type: ignore[attr-defined]
                if episode is None:
                    heads.append(violation)
            open_episodes[(item.sample.id, rule)] = violation.episode or violation.head  # type: ignore[attr-defined]
            rows.append(violation)
            item.violations.append(violation)
    insert_objects(rows)
    pending = [v for v in rows if v.episode is None]
    for violation in pending:
        violation.episode = violation.head.pk  # type: ignore[attr-defined]
    update_column(Violation, "episode", [(v.episode, v.pk) for v in pending])


def sample_row(item: Stored, now: datetime) -> Sample:
    """The unsaved sample row of an evaluated job."""
    job, point, char = item.job, item.evaluation.point, item.char
    data = job.data
    measured = job.subgroup.measurements  # spec limits apply to variables data only
    out_of_spec = bool(measured) and outside_spec((*measured, point.mean), char.lsl, char.usl)
    sample = unsaved(
        Sample,
        {
            "characteristic_id": item.char.id,
            "timestamp": job.stamp,
            "received_at": now,
            "source": data.source,
            "idempotency_key": job.key,
            "operator": data.operator or "",
            "created_by_id": data.user_id,
            "batch_number": data.batch_number or "",
            "part_number": (data.part_number or "").strip(),
            "actual_n": point.n,
            "is_undersized": point.is_undersized,
            "mean": point.mean,
            "range": point.range,
            "std_dev": point.std_dev,
            "count": job.subgroup.count,
            "sample_size": job.subgroup.sample_size,
            "value": point.value,
            "secondary_value": point.secondary_value,
            "center_line": point.center_line,
            "ucl": point.ucl,
            "lcl": point.lcl,
            "z_score": point.z,
            "zone": _ZONE_TEXT[point.zone] if point.zone else "",
            "state": list(point.state),
            "out_of_spec": out_of_spec,
            "spec_confirmed_by_id": data.user_id if out_of_spec and data.spec_confirmed else None,
        },
    )
    _cache_characteristic(sample, item.char)
    return sample


_ZONE_TEXT = {zone: zone.value for zone in Zone}
"""A zone's stored text (``Zone.value`` is a property looked up per call)."""

_cache_characteristic = Sample.characteristic.field.set_cached_value
"""Give a sample its characteristic instance, as reading ``sample.characteristic`` would."""


def key_of(window: RollingWindow, index: int, new_key: Hashable) -> Hashable:
    """Map a core signal index (``window.total`` = the new point) to a sample key."""
    if index == window.total:
        return new_key
    keys = window.keys()
    return keys[index - (window.total - len(keys))]
