"""The one write path for samples: manual entry, REST, MQTT and imports all call ``process``.

``process`` validates a subgroup for its characteristic, evaluates it in the pure SPC core
against the characteristic's rolling window, stores the sample, its measurements and its
violations in one transaction, and after commit publishes one ``sample.processed`` event.
A repeated idempotency key returns the stored result and stores nothing.

Concurrency: submissions for one characteristic are serialised by a per-process lock and,
across processes, by locking the characteristic row inside the transaction; the window is
checked against the database under that lock (see ``spc.pipeline.windows``), so two processes
writing one characteristic get the rule results one process would.
"""

from __future__ import annotations

import functools
import json
import math
import time
from collections.abc import Hashable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from alerts.models import Violation
from alerts.services import card_state, open_counts
from openspc import metrics
from spc.core.errors import InputError
from spc.core.evaluate import CharacteristicConfig, Evaluation, evaluate, window_capacity
from spc.core.limits import limits_from_stored
from spc.core.rules import RULE_NAMES, ruleset_from_mapping
from spc.core.types import ChartLimits, ChartType, RuleId, Subgroup, SubgroupMode
from spc.core.window import RollingWindow
from spc.models import Characteristic, Measurement, Sample
from spc.pipeline import events, signals
from spc.pipeline.bulk_rows import (
    insert_objects,
    insert_tuples,
    stored_keys,
    unsaved,
    update_column,
)
from spc.pipeline.locked_rows import LockedRows, cached_config
from spc.pipeline.windows import WindowCache, newest_included_ids, windows

MAX_MEASUREMENTS = 1000
TEXT_LIMITS = {"operator": 120, "batch_number": 120, "idempotency_key": 128}
SOURCES = ("MANUAL", "REST", "MQTT", "IMPORT")

locked_rows = LockedRows(settings.OPENSPC_WINDOW_CACHE_SIZE)
"""This process's characteristic instances, reused while their row is unchanged."""


class CharacteristicInactive(InputError):  # noqa: N818 - the contract name
    """The characteristic is switched off and accepts no samples."""


@dataclass(frozen=True)
class SubgroupInput:
    """One subgroup from any provider, in plain values."""

    characteristic_id: int
    measurements: tuple[float, ...] = ()
    count: float | None = None
    sample_size: float | None = None
    timestamp: datetime | None = None
    idempotency_key: str | None = None
    operator: str = ""
    batch_number: str = ""
    source: str = "MANUAL"
    user_id: int | None = None


@dataclass(frozen=True)
class ProcessResult:
    """The stored sample, the violations it raised and the event describing it."""

    sample: Sample
    violations: list[Violation]
    created: bool
    prepared_event: dict[str, Any] | None = field(default=None, repr=False)

    @functools.cached_property
    def event(self) -> dict[str, Any]:
        """The ``sample.processed`` event; built now (one open-count query) when the
        pipeline skipped it because nobody watched the characteristic."""
        if self.prepared_event is not None:
            return self.prepared_event
        return build_event(self.sample.characteristic, self.sample, self.violations)


CONFIG_FIELDS = (
    "chart_type",
    "subgroup_size",
    "subgroup_mode",
    "min_measurements",
    "warn_below_count",
    "center_line",
    "ucl",
    "lcl",
    "sigma",
    "secondary_center_line",
    "secondary_ucl",
    "secondary_lcl",
    "ewma_lambda",
    "ewma_l",
    "cusum_k",
    "cusum_h",
    "target",
)
"""The characteristic fields (besides ``rules``) the core's configuration is built from."""


def config_for(char: Characteristic) -> CharacteristicConfig:
    """The core's view of a characteristic: chart, mode, limits in force and rules.

    Built once per distinct configuration: the same fields give the same (immutable)
    configuration, so a batch touching a thousand characteristics does not parse a
    thousand rule tables.
    """
    ident = (
        tuple(getattr(char, name) for name in CONFIG_FIELDS),
        json.dumps(char.rules or {}, sort_keys=True),
    )
    return _config_of(ident, char)


@functools.lru_cache(maxsize=4096)
def _cached_config(ident: tuple[tuple[Any, ...], str]) -> CharacteristicConfig:
    values = dict(zip(CONFIG_FIELDS, ident[0], strict=True))
    return _build_config(SimpleNamespace(**values, rules=json.loads(ident[1])))


def _config_of(ident: tuple[tuple[Any, ...], str], char: Characteristic) -> CharacteristicConfig:
    try:
        return _cached_config(ident)
    except TypeError:  # an unhashable field value: build it directly
        return _build_config(char)


def _build_config(char: Any) -> CharacteristicConfig:
    chart_type = ChartType(char.chart_type)
    secondary = None
    if None not in (char.secondary_center_line, char.secondary_ucl, char.secondary_lcl):
        secondary = ChartLimits(
            center_line=char.secondary_center_line,
            ucl=char.secondary_ucl,
            lcl=char.secondary_lcl,
        )
    limits = limits_from_stored(
        chart_type,
        char.subgroup_size,
        char.center_line,
        char.ucl,
        char.lcl,
        char.sigma,
        secondary,
        ewma_lambda=char.ewma_lambda,
        ewma_l=char.ewma_l,
        cusum_h=char.cusum_h,
    )
    return CharacteristicConfig(
        chart_type=chart_type,
        subgroup_size=char.subgroup_size,
        subgroup_mode=SubgroupMode(char.subgroup_mode),
        min_measurements=char.min_measurements,
        warn_below_count=char.warn_below_count,
        limits=limits,
        ruleset=ruleset_from_mapping(char.rules or {}),
        ewma_lambda=char.ewma_lambda,
        ewma_l=char.ewma_l,
        cusum_k=char.cusum_k,
        cusum_h=char.cusum_h,
        target=char.target,
    )


def _clean_input(data: SubgroupInput, now: datetime) -> tuple[Subgroup, datetime]:
    """Checks that do not need the characteristic: sizes, text lengths, time."""
    if len(data.measurements) > MAX_MEASUREMENTS:
        raise InputError("measurements", f"At most {MAX_MEASUREMENTS} values in one subgroup.")
    values: list[float] = []
    for value in data.measurements:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError("measurements", "Every measurement must be a number.")
        if not math.isfinite(value):
            raise InputError("measurements", "Measurements must be finite numbers.")
        values.append(float(value))
    for name, limit in TEXT_LIMITS.items():
        text = getattr(data, name) or ""
        if len(text) > limit:
            raise InputError(name, f"At most {limit} characters.")
    if data.source not in SOURCES:
        raise InputError("source", f"Unknown source {data.source!r}.")
    stamp = data.timestamp or now
    if timezone.is_naive(stamp):
        stamp = stamp.replace(tzinfo=UTC)
    try:
        # PostgreSQL takes offsets up to ±15:59 only; an instant in UTC always fits.
        stamp = stamp.astimezone(UTC)
    except OverflowError as exc:
        raise InputError("timestamp", "Date-time out of range.") from exc
    return Subgroup(tuple(values), data.count, data.sample_size), stamp


class UnknownCharacteristic(InputError):  # noqa: N818 - reads as the condition
    """No characteristic has the given id (``process`` raises ``DoesNotExist`` instead)."""


@dataclass(slots=True)
class _Job:
    """One cleaned input on its way through a batch."""

    index: int
    data: SubgroupInput
    subgroup: Subgroup
    stamp: datetime
    key: str | None


@dataclass(slots=True)
class _Stored:
    """A job evaluated against its window, waiting for its rows to be written."""

    job: _Job
    char: Characteristic
    evaluation: Evaluation
    placeholder: int
    previous: Hashable | None
    involved: list[list[Hashable]]
    sample: Sample | None = None
    violations: list[Violation] = field(default_factory=list)


def process(data: SubgroupInput) -> ProcessResult:
    """Validate, evaluate, store and announce one subgroup. See the module docstring.

    Raises ``InputError`` for bad input, ``CharacteristicInactive`` for a switched-off
    characteristic and ``Characteristic.DoesNotExist`` for an unknown id.
    """
    result = process_many([data])[0]
    if isinstance(result, UnknownCharacteristic):
        raise Characteristic.DoesNotExist(str(result))
    if isinstance(result, InputError):
        raise result
    return result


def process_many(
    items: Sequence[SubgroupInput], *, rows_unchanged: bool = False
) -> list[ProcessResult | InputError]:
    """``process`` for a list of subgroups in one transaction: one result per item, in order.

    Each item is either its ``ProcessResult`` or the ``InputError`` that refused it (an
    ``UnknownCharacteristic`` for an unknown id); a refused item stores nothing and does
    not stop the others. Items of one characteristic are evaluated in list order. The
    rows of the whole list are written with a few bulk statements and the events are
    published in one hop after commit, so a batch costs little more than one subgroup.

    Called inside a transaction of its own, the pipeline reuses this process's
    characteristic instances while their rows are unchanged (``spc.pipeline.locked_rows``); a caller
    whose enclosing transaction has written no characteristic row says so with
    ``rows_unchanged`` to get the same.
    """
    reuse_rows = rows_unchanged or not transaction.get_connection().in_atomic_block
    started = time.perf_counter()
    results: list[ProcessResult | InputError | None] = [None] * len(items)
    jobs: list[_Job] = []
    now = timezone.now()
    for index, data in enumerate(items):
        try:
            subgroup, stamp = _clean_input(data, now)
        except InputError as exc:
            results[index] = exc
            continue
        jobs.append(_Job(index, data, subgroup, stamp, data.idempotency_key or None))
    if jobs:
        cache = windows
        ids = sorted({job.data.characteristic_id for job in jobs})
        with ExitStack() as held:
            for lock in cache.locks(ids):
                held.enter_context(lock)
            try:
                _run_batch(jobs, ids, results, cache, reuse_rows)
            except IntegrityError:
                # Another process stored one of the idempotency keys since we looked: the
                # retry finds it and returns the stored result.
                for cid in ids:
                    cache.invalidate(cid)
                if not any(job.key for job in jobs):
                    raise
                _run_batch(jobs, ids, results, cache, reuse_rows)
    done = [r for r in results if r is not None]
    assert len(done) == len(items)
    metrics.observe_batch(items, done, time.perf_counter() - started)
    if signals.violations_raised.has_listeners():
        raised = [r for r in done if isinstance(r, ProcessResult) and r.created and r.violations]
        if raised:
            transaction.on_commit(
                functools.partial(
                    signals.violations_raised.send, sender=ProcessResult, results=raised
                )
            )
    return done


def _run_batch(
    jobs: list[_Job],
    ids: list[int],
    results: list[ProcessResult | InputError | None],
    cache: WindowCache,
    reuse_rows: bool,
) -> None:
    """Evaluate and store ``jobs`` in one transaction; fill ``results`` by job index."""
    touched: dict[int, tuple[Characteristic, int, RollingWindow]] = {}
    try:
        with transaction.atomic():
            chars = locked_rows.lock(ids, reuse=reuse_rows)
            live = _refuse_unknown_and_inactive(jobs, chars, results)
            replays, live = _split_replays(live, results)
            stored = _evaluate(live, chars, results, cache, touched)
            _write(stored, touched)
            published = _events_for_watched(stored, results)
            _resolve_replays(replays, chars, results)
            if published:
                events.publish_many(published)
    except BaseException:
        for cid in touched:
            cache.invalidate(cid)
        raise
    for cid, (char, capacity, window) in touched.items():
        cache.put(cid, char.revision, capacity, window)


def _events_for_watched(
    stored: list[_Stored], results: list[ProcessResult | InputError | None]
) -> list[tuple[list[str], dict[str, Any]]]:
    """Fill the results of stored items; build the events of those somebody watches.

    An unwatched sample's event is built only if its result's ``event`` is read.
    """
    if not stored:
        return []
    groups = [
        events.groups_for(item.char.pk, item.char.node_path)  # type: ignore[attr-defined]
        for item in stored
    ]
    watched = events.watched_groups({g for names in groups for g in names})
    wanted = [watched is None or any(g in watched for g in names) for names in groups]
    chars = sorted({item.char.pk for item, want in zip(stored, wanted, strict=True) if want})
    counts = open_counts(chars) if chars else {}
    published: list[tuple[list[str], dict[str, Any]]] = []
    for item, names, want in zip(stored, groups, wanted, strict=True):
        assert item.sample is not None
        event = build_event(item.char, item.sample, item.violations, counts) if want else None
        results[item.job.index] = ProcessResult(item.sample, item.violations, True, event)
        if event is not None:
            published.append((names, event))
    return published


def _refuse_unknown_and_inactive(
    jobs: list[_Job],
    chars: dict[int, Characteristic],
    results: list[ProcessResult | InputError | None],
) -> list[_Job]:
    live = []
    for job in jobs:
        char = chars.get(job.data.characteristic_id)
        if char is None:
            results[job.index] = UnknownCharacteristic(
                "characteristic", f"No characteristic with id {job.data.characteristic_id}."
            )
        elif not char.active:
            results[job.index] = CharacteristicInactive(
                "characteristic", "This characteristic is not active."
            )
        else:
            live.append(job)
    return live


def _split_replays(
    jobs: list[_Job], results: list[ProcessResult | InputError | None]
) -> tuple[list[tuple[_Job, int | _Job]], list[_Job]]:
    """Jobs whose key is stored already (or repeats an earlier job of this batch)."""
    keyed = [job for job in jobs if job.key is not None]
    if not keyed:
        return [], jobs
    found = stored_keys(
        Sample,
        "characteristic",
        "idempotency_key",
        {(job.data.characteristic_id, job.key) for job in keyed if job.key is not None},
    )
    first: dict[tuple[int, str], _Job] = {}
    replays: list[tuple[_Job, int | _Job]] = []
    live = []
    for job in jobs:
        if job.key is None:
            live.append(job)
            continue
        ident = (job.data.characteristic_id, job.key)
        if ident in found:
            replays.append((job, found[ident]))
        elif ident in first:
            replays.append((job, first[ident]))
        else:
            first[ident] = job
            live.append(job)
    return replays, live


def _evaluate(
    jobs: list[_Job],
    chars: dict[int, Characteristic],
    results: list[ProcessResult | InputError | None],
    cache: WindowCache,
    touched: dict[int, tuple[Characteristic, int, RollingWindow]],
) -> list[_Stored]:
    """Run each job through the core against its characteristic's window, in order."""
    if not jobs:
        return []
    wanted = sorted({job.data.characteristic_id for job in jobs})
    newest = newest_included_ids(wanted)
    configs: dict[int, tuple[CharacteristicConfig, int]] = {}
    for cid in wanted:
        config = cached_config(chars[cid], config_for)
        configs[cid] = (config, window_capacity(config))
    current = cache.current_many(
        [chars[cid] for cid in wanted], {cid: configs[cid][1] for cid in wanted}, newest
    )
    for cid in wanted:
        touched[cid] = (chars[cid], configs[cid][1], current[cid])
    stored: list[_Stored] = []
    for job in jobs:
        cid = job.data.characteristic_id
        config, _ = configs[cid]
        char, _, window = touched[cid]
        try:
            evaluation = evaluate(window, job.subgroup, config)
        except InputError as exc:
            results[job.index] = exc
            continue
        placeholder = -(len(stored) + 1)
        involved = [
            [_key_of(window, i, placeholder) for i in signal.involved]
            for signal in evaluation.signals
        ]
        stored.append(_Stored(job, char, evaluation, placeholder, window.newest_key(), involved))
        window.append(evaluation.point, placeholder)
    return stored


def _write(
    stored: list[_Stored], touched: dict[int, tuple[Characteristic, int, RollingWindow]]
) -> None:
    """Insert the samples, measurements and violations of a batch with bulk statements."""
    if not stored:
        return
    now = timezone.now()
    samples = [_sample_row(item, now) for item in stored]
    insert_objects(samples)
    ids: dict[Hashable, Hashable] = {}
    for item, sample in zip(stored, samples, strict=True):
        item.sample = sample
        ids[item.placeholder] = sample.pk
        sample.measurement_values = list(item.job.subgroup.measurements)  # type: ignore[attr-defined]
    for _, _, window in touched.values():
        window.rekey(ids)
    _insert_measurements(stored)
    _write_violations([item for item in stored if item.evaluation.signals], ids, now)


def _insert_measurements(stored: list[_Stored]) -> None:
    """The measurements of a batch in one ``executemany``: model instances for thousands
    of three-column rows cost more than the rest of the batch."""
    rows = [
        (item.sample.pk, position, value)  # type: ignore[union-attr]
        for item in stored
        for position, value in enumerate(item.job.subgroup.measurements)
    ]
    insert_tuples(Measurement, ("sample", "position", "value"), rows)


def _write_violations(stored: list[_Stored], ids: dict[Hashable, Hashable], now: datetime) -> None:
    """Violations with their episodes: a rule that also fired on the characteristic's
    previous sample (unacknowledged) continues that episode; otherwise it starts one."""
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
                sample_id=item.sample.pk,
                characteristic_id=item.char.pk,
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
            open_episodes[(item.sample.pk, rule)] = violation.episode or violation.head  # type: ignore[attr-defined]
            rows.append(violation)
            item.violations.append(violation)
    insert_objects(rows)
    pending = [v for v in rows if v.episode is None]
    for violation in pending:
        violation.episode = violation.head.pk  # type: ignore[attr-defined]
    update_column(Violation, "episode", [(v.episode, v.pk) for v in pending])


def _resolve_replays(
    replays: list[tuple[_Job, int | _Job]],
    chars: dict[int, Characteristic],
    results: list[ProcessResult | InputError | None],
) -> None:
    """Fill the results of replayed jobs with their stored samples (one query each kind)."""
    if not replays:
        return
    stored_ids = [target for _, target in replays if isinstance(target, int)]
    samples = Sample.objects.prefetch_related("measurements", "violations").in_bulk(stored_ids)
    counts = open_counts(sorted({job.data.characteristic_id for job, _ in replays}))
    for job, target in replays:
        if isinstance(target, _Job):
            earlier = results[target.index]
            if isinstance(earlier, ProcessResult):
                results[job.index] = ProcessResult(
                    earlier.sample, earlier.violations, False, earlier.prepared_event
                )
            else:  # the first copy was refused: so is this one
                results[job.index] = earlier
            continue
        sample = samples[target]
        violations = sorted(sample.violations.all(), key=lambda v: v.rule)
        char = chars[job.data.characteristic_id]
        results[job.index] = ProcessResult(
            sample, violations, False, build_event(char, sample, violations, counts)
        )


def _sample_row(item: _Stored, now: datetime) -> Sample:
    """The unsaved sample row of an evaluated job."""
    job, point = item.job, item.evaluation.point
    data = job.data
    sample = unsaved(
        Sample,
        {
            "characteristic_id": item.char.pk,
            "timestamp": job.stamp,
            "received_at": now,
            "source": data.source,
            "idempotency_key": job.key,
            "operator": data.operator or "",
            "created_by_id": data.user_id,
            "batch_number": data.batch_number or "",
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
            "zone": point.zone.value if point.zone else "",
            "state": list(point.state),
        },
    )
    Sample.characteristic.field.set_cached_value(sample, item.char)
    return sample


def _key_of(window: RollingWindow, index: int, new_key: Hashable) -> Hashable:
    """Map a core signal index (``window.total`` = the new point) to a sample key."""
    if index == window.total:
        return new_key
    keys = window.keys()
    return keys[index - (window.total - len(keys))]


def build_event(
    char: Characteristic,
    sample: Sample,
    violations: list[Violation],
    counts: dict[int, dict[str, int]] | None = None,
) -> dict[str, Any]:
    """The ``sample.processed`` event: everything a chart point, a card and a toast need.

    ``counts`` are the open violation counts by characteristic when the caller has them
    (``alerts.services.open_counts``); otherwise they are queried.
    """
    if counts is None or char.pk not in counts:
        counts = open_counts([char.pk])
    char_counts = counts[char.pk]
    return {
        "type": events.SAMPLE_PROCESSED,
        "characteristic": {
            "id": char.pk,
            "name": char.name,
            "node_id": char.hierarchy_id,
            "chart_type": char.chart_type,
            "decimal_places": char.decimal_places,
            "unit": char.unit,
            "usl": char.usl,
            "lsl": char.lsl,
        },
        "sample": sample_payload(sample),
        "violations": [
            {
                "id": v.pk,
                "rule": v.rule,
                "severity": v.severity,
                "rule_name": RULE_NAMES[RuleId(v.rule)],
                "episode": v.episode,
            }
            for v in violations
        ],
        "state": card_state(char_counts, sample.timestamp),
        "open_violations": char_counts,
    }


def measurement_values(sample: Sample) -> list[float]:
    """The sample's measured values, without a query when the pipeline just stored them."""
    known = getattr(sample, "measurement_values", None)
    if known is not None:
        return list(known)
    return [m.value for m in sample.measurements.all()]


def sample_payload(sample: Sample) -> dict[str, Any]:
    """A stored sample as plain JSON-able data (the event's and chart data's point)."""
    return {
        "id": sample.pk,
        "timestamp": sample.timestamp.isoformat(),
        "value": sample.value,
        "secondary_value": sample.secondary_value,
        "center_line": sample.center_line,
        "ucl": sample.ucl,
        "lcl": sample.lcl,
        "z": sample.z_score,
        "zone": sample.zone or None,
        "n": sample.actual_n,
        "is_undersized": sample.is_undersized,
        "is_excluded": sample.is_excluded,
        "measurements": measurement_values(sample),
        "operator": sample.operator,
        "batch_number": sample.batch_number,
    }
