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
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from alerts.models import Violation
from alerts.services import open_counts
from openspc import metrics
from spc.core.errors import InputError
from spc.core.evaluate import CharacteristicConfig, evaluate, window_capacity
from spc.core.frozen import quick_init
from spc.core.plausibility import ValueLabel, check_plausible
from spc.core.window import RollingWindow
from spc.models import Characteristic, Sample
from spc.pipeline import chart_revisions, events, gc_pause, late, parts, signals
from spc.pipeline.bulk_rows import stored_keys
from spc.pipeline.config import config_for
from spc.pipeline.inputs import (
    MAX_MEASUREMENTS,
    CharacteristicInactive,
    SubgroupInput,
    UnknownCharacteristic,
    clean_input,
    future_skew,
)
from spc.pipeline.locked_rows import LockedRows, cached_config
from spc.pipeline.payloads import build_event, measurement_values, sample_payload
from spc.pipeline.rows import Job, Stored, key_of, write
from spc.pipeline.windows import WindowCache, newest_included, windows

__all__ = [
    "MAX_MEASUREMENTS",
    "CharacteristicInactive",
    "ProcessResult",
    "SubgroupInput",
    "UnknownCharacteristic",
    "build_event",
    "config_for",
    "measurement_values",
    "process",
    "process_many",
    "sample_payload",
]

locked_rows = LockedRows(settings.OPENSPC_WINDOW_CACHE_SIZE)
"""This process's characteristic instances, reused while their row is unchanged."""


@quick_init
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
    items: Sequence[SubgroupInput], *, rows_unchanged: bool = False, keys_unseen: bool = False
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

    ``keys_unseen``: the caller has just looked the items' idempotency keys up and found
    none stored (the import job counts re-imported rows itself), so the batch does not look
    again. Should another writer store one of them meanwhile, the unique index refuses the
    batch and its retry looks the keys up as usual.
    """
    with gc_pause.paused():  # the batch's objects freed by reference counting
        return _process_many(items, rows_unchanged, keys_unseen)


def _process_many(
    items: Sequence[SubgroupInput], rows_unchanged: bool, keys_unseen: bool
) -> list[ProcessResult | InputError]:
    reuse_rows = rows_unchanged or not transaction.get_connection().in_atomic_block
    started = time.perf_counter()
    results: list[ProcessResult | InputError | None] = [None] * len(items)
    jobs: list[Job] = []
    now = timezone.now()
    skew = future_skew()
    for index, data in enumerate(items):
        try:
            subgroup, stamp = clean_input(data, now, skew)
        except InputError as exc:
            results[index] = exc
            continue
        jobs.append(Job(index, data, subgroup, stamp, data.idempotency_key or None))
    if jobs:
        cache = windows
        ids = sorted({job.data.characteristic_id for job in jobs})
        with ExitStack() as held:
            for lock in cache.locks(ids):
                held.enter_context(lock)
            try:
                _run_batch(jobs, ids, results, cache, reuse_rows, keys_unseen)
            except IntegrityError:
                # Another process stored one of the idempotency keys since we looked: the
                # retry finds it and returns the stored result.
                for cid in ids:
                    cache.invalidate(cid)
                if not any(job.key for job in jobs):
                    raise
                _run_batch(jobs, ids, results, cache, reuse_rows, False)
    done = [r for r in results if r is not None]
    assert len(done) == len(items)
    metrics.observe_batch(_outcomes(items, done), time.perf_counter() - started)
    if signals.samples_stored.has_listeners():
        fresh = [r for r in done if isinstance(r, ProcessResult) and r.created]
        if fresh:
            transaction.on_commit(
                functools.partial(signals.samples_stored.send, sender=ProcessResult, results=fresh)
            )
    if signals.violations_raised.has_listeners():
        raised = [r for r in done if isinstance(r, ProcessResult) and r.created and r.violations]
        if raised:
            transaction.on_commit(
                functools.partial(
                    signals.violations_raised.send, sender=ProcessResult, results=raised
                )
            )
    return done


def _outcomes(
    items: Sequence[SubgroupInput], done: Sequence[ProcessResult | InputError]
) -> Iterator[metrics.Outcome]:
    """Each item's outcome in the plain terms ``openspc.metrics`` counts."""
    for data, result in zip(items, done, strict=True):
        if isinstance(result, InputError):
            yield data.source, type(result).__name__, False, ()
        else:
            violations = [(v.rule, v.severity) for v in result.violations] if result.created else ()
            yield data.source, None, result.created, violations


def _run_batch(
    jobs: list[Job],
    ids: list[int],
    results: list[ProcessResult | InputError | None],
    cache: WindowCache,
    reuse_rows: bool,
    keys_unseen: bool,
) -> None:
    """Evaluate and store ``jobs`` in one transaction; fill ``results`` by job index."""
    touched: dict[int, tuple[Characteristic, int, RollingWindow]] = {}
    try:
        with transaction.atomic():
            chars = locked_rows.lock(ids, reuse=reuse_rows)
            live = _refuse_unknown_and_inactive(jobs, chars, results)
            replays, live = _split_replays(live, look_up=not keys_unseen)
            live = parts.attach(live, chars, results)  # short-run charts: part standards
            newest = newest_included(sorted({job.data.characteristic_id for job in live}))
            # Older than the newest stored sample: put in place after the in-order jobs.
            late_jobs, live = late.split_late(live, {c: at for c, (_, at) in newest.items()})
            stored = _evaluate(live, chars, results, cache, touched, newest)
            write(stored, touched)
            chart_revisions.touch(item.char.id for item in stored)
            published = _events_for_watched(stored, results)
            late.store_late(late_jobs, chars, results, touched, ProcessResult)
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
    stored: list[Stored], results: list[ProcessResult | InputError | None]
) -> list[tuple[list[str], dict[str, Any]]]:
    """Fill the results of stored items; build the events of those somebody watches.

    An unwatched sample's event is built only if its result's ``event`` is read.
    """
    if not stored:
        return []
    groups = [
        events.groups_for(item.char.id, item.char.node_path)  # type: ignore[attr-defined]
        for item in stored
    ]
    watched = events.watched_groups({g for names in groups for g in names})
    wanted = [watched is None or any(g in watched for g in names) for names in groups]
    chars = sorted({item.char.id for item, want in zip(stored, wanted, strict=True) if want})
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
    jobs: list[Job],
    chars: dict[int, Characteristic],
    results: list[ProcessResult | InputError | None],
) -> list[Job]:
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
    jobs: list[Job], look_up: bool = True
) -> tuple[list[tuple[Job, int | Job]], list[Job]]:
    """Jobs whose key is stored already (or repeats an earlier job of this batch); without
    ``look_up``, only the repeats (the caller knows none is stored)."""
    keyed = [job for job in jobs if job.key is not None]
    if not keyed:
        return [], jobs
    found = (
        stored_keys(
            Sample,
            "characteristic",
            "idempotency_key",
            {(job.data.characteristic_id, job.key) for job in keyed if job.key is not None},
        )
        if look_up
        else {}
    )
    first: dict[tuple[int, str], Job] = {}
    replays: list[tuple[Job, int | Job]] = []
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
    jobs: list[Job],
    chars: dict[int, Characteristic],
    results: list[ProcessResult | InputError | None],
    cache: WindowCache,
    touched: dict[int, tuple[Characteristic, int, RollingWindow]],
    newest_stored: dict[int, tuple[int, datetime]],
) -> list[Stored]:
    """Run each job through the core against its characteristic's window, in order.
    ``newest_stored``: (id, source time) of each characteristic's newest included sample."""
    if not jobs:
        return []
    wanted = sorted({job.data.characteristic_id for job in jobs})
    newest = {cid: newest_stored[cid][0] for cid in wanted if cid in newest_stored}
    configs: dict[int, tuple[CharacteristicConfig, int]] = {}
    for cid in wanted:
        config = cached_config(chars[cid], config_for)
        configs[cid] = (config, window_capacity(config))
    current = cache.current_many(
        [chars[cid] for cid in wanted], {cid: configs[cid][1] for cid in wanted}, newest
    )
    for cid in wanted:
        touched[cid] = (chars[cid], configs[cid][1], current[cid])
    stored: list[Stored] = []
    for job in jobs:
        cid = job.data.characteristic_id
        config, _ = configs[cid]
        char, _, window = touched[cid]
        try:
            if char.plausible_low is not None or char.plausible_high is not None:
                check_plausible(
                    job.subgroup.measurements,
                    char.plausible_low,
                    char.plausible_high,
                    ValueLabel(char.name, char.unit, char.decimal_places),
                )
            evaluation = evaluate(window, job.subgroup, config)
        except InputError as exc:
            results[job.index] = exc
            continue
        placeholder = -(len(stored) + 1)
        involved = [
            [key_of(window, i, placeholder) for i in signal.involved]
            for signal in evaluation.signals
        ]
        stored.append(Stored(job, char, evaluation, placeholder, window.newest_key(), involved))
        window.append(evaluation.point, placeholder)
    return stored


def _resolve_replays(
    replays: list[tuple[Job, int | Job]],
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
        if isinstance(target, Job):
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
