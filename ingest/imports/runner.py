"""The two passes over an import file: the scan (preview and every problem, nothing
stored) and the job (subgroups fed through the one pipeline in source-time order).

Both stream the file, so memory stays bounded whatever its size; the job sorts with
``sorting.in_time_order`` only when the scan found a characteristic's rows out of order.
Each subgroup's idempotency key is ``imp:<file hash>:<row>``, so importing the same file
again stores nothing twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.utils import timezone

from hierarchy.scoping import scope_queryset
from ingest.imports.lanes import Lanes, lane_count
from ingest.imports.mapping import Mapping
from ingest.imports.models import Import, ImportState
from ingest.imports.reading import detect, header_and_rows
from ingest.imports.sorting import in_time_order
from ingest.imports.subgroups import Characteristics, Parsed, Problem, RowReader
from spc.core.errors import InputError
from spc.models import Characteristic, Sample
from spc.pipeline import gc_pause
from spc.pipeline.bulk_rows import stored_keys
from spc.pipeline.processing import SubgroupInput, process_many

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 20
KEPT_PROBLEMS = 1000
BATCH = 2000
COLLECT_EVERY = 16
"""Batches between two collections of the young generations (``gc_pause``): each
collection traverses the batches queued meanwhile, 6 % of an import's CPU when run after
every batch; the cycles of 16 batches (episode heads) are a few hundred objects."""


@dataclass
class Scan:
    """What the scan found: the header, the first subgroups, every problem (the first
    ``KEPT_PROBLEMS`` kept), row counts and whether rows were in time order."""

    header: list[str]
    decimal: str
    preview: list[Parsed | Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    rows: int = 0
    subgroups: int = 0
    in_time_order: bool = True


def characteristics_for(user: Any) -> Characteristics:
    """The characteristics an import by ``user`` may write (``None``: every one)."""
    qs = Characteristic.objects.only("id", "name", "mqtt_topic", "hierarchy_id")
    return Characteristics(qs if user is None else scope_queryset(qs, user))


def _reader(path: Path, mapping: Mapping, user: Any) -> tuple[RowReader, list[str], Iterator[Any]]:
    fmt = detect(path, mapping.delimiter, mapping.sheet)
    header, rows = header_and_rows(path, fmt)
    return RowReader(mapping, header, characteristics_for(user), fmt.delimiter), header, rows


def scan(path: Path, mapping: Mapping, user: Any = None) -> Scan:
    """Read the whole file by ``mapping`` and store nothing. ``InputError`` when the
    file or the mapping cannot be used at all (a missing column, an unreadable file)."""
    reader, header, rows = _reader(path, mapping, user)
    result = Scan(header, reader.decimal)
    newest: dict[int, datetime] = {}
    counted = _Counted(rows)
    for item in reader.read(counted):
        if len(result.preview) < PREVIEW_ROWS:
            result.preview.append(item)
        if isinstance(item, Problem):
            result.problem_count += 1
            if len(result.problems) < KEPT_PROBLEMS:
                result.problems.append(item)
            continue
        result.subgroups += 1
        last = newest.get(item.characteristic_id)
        if last is not None and item.stamp < last:
            result.in_time_order = False
        else:
            newest[item.characteristic_id] = item.stamp
    result.rows = counted.count
    result.preview.sort(key=lambda item: item.row)
    return result


class _Counted:
    """Counts the rows an iterator gives."""

    def __init__(self, rows: Iterator[Any]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Any]:
        for row in self.rows:
            self.count += 1
            yield row


def record_scan(record: Import, found: Scan) -> None:
    """Store what the scan found on the Import record."""
    record.rows_total = found.rows
    record.in_time_order = found.in_time_order
    record.problem_count = found.problem_count
    record.problems = [p.as_dict() for p in found.problems]
    record.save(update_fields=["rows_total", "in_time_order", "problem_count", "problems"])


Progress = Callable[[Import], None]


def run(record: Import, user: Any = None, progress: Progress | None = None) -> Import:
    """Feed the file's subgroups through the pipeline; the record ends DONE or FAILED.

    Refusals by the pipeline (a plausibility limit, a one-value X̄-R subgroup, a time in
    the future) join the record's problems with their row. ``user`` scopes the
    characteristics as in the scan.
    """
    mapping = Mapping.from_data(record.mapping)
    record.state, record.started_at = ImportState.RUNNING, timezone.now()
    record.rows_done = record.stored = record.replayed = record.refused = record.violations = 0
    record.save()
    try:
        reader, _, rows = _reader(Path(record.file_path), mapping, user)
        _feed(record, reader.read(rows), progress)
    except InputError as exc:
        return _finish(record, ImportState.FAILED, exc.message)
    except Exception:
        logger.exception("import %s failed", record.pk)
        return _finish(record, ImportState.FAILED, "The import stopped on an unexpected error.")
    stored = f"{record.stored} samples stored"
    return _finish(record, ImportState.DONE, f"{stored}, {record.replayed} stored before.")


def _feed(record: Import, items: Iterator[Parsed | Problem], progress: Progress | None) -> None:
    problems: list[dict[str, Any]] = []
    guard = threading.Lock()
    good = _good(items, record, guard)
    ordered = good if record.in_time_order else in_time_order(good)
    prefix = f"imp:{record.file_sha256[:32]}:"

    def store(batch: list[Parsed]) -> None:
        _store(record, batch, prefix, problems, progress, guard)
        gc_pause.collect_young(every=COLLECT_EVERY)  # finished batches' cycles

    # A batch's rows live until it is stored: with the collector running they would be
    # promoted to its oldest generation, whose collections traverse the whole process.
    with gc_pause.paused(), Lanes(lane_count(), BATCH, _characteristic, store) as lanes:
        for parsed in ordered:
            lanes.add(parsed)
    if problems:
        problems.sort(key=lambda problem: problem["row"])  # lanes finish in any order
        record.problems = [*record.problems, *problems][:KEPT_PROBLEMS]
        record.problem_count += len(problems)


def _characteristic(parsed: Parsed) -> int:
    return parsed.characteristic_id


def _good(
    items: Iterator[Parsed | Problem], record: Import, guard: threading.Lock
) -> Iterator[Parsed]:
    for item in items:
        if isinstance(item, Problem):
            with guard:
                record.rows_done += 1
        else:
            yield item


def _store(
    record: Import,
    batch: list[Parsed],
    prefix: str,
    problems: list[dict[str, Any]],
    progress: Progress | None,
    guard: threading.Lock,
) -> None:
    """Store one batch and add its outcome to ``record`` under ``guard`` (lanes share it)."""
    if not batch:
        return
    done = stored = replayed = refused = violations = 0
    user_id = record.created_by_id
    # A re-import's rows are stored already: counted here with one query, so the pipeline
    # does not build a replay result (the stored sample and its event) for each.
    keyed = [((p.characteristic_id, f"{prefix}{p.row}"), p) for p in batch]
    seen = stored_keys(Sample, "characteristic", "idempotency_key", {i for i, _ in keyed})
    if seen:
        fresh = []
        for ident, parsed in keyed:
            if ident in seen:
                replayed += 1
                done += parsed.rows
            else:
                fresh.append((ident, parsed))
        keyed = fresh
    batch = [parsed for _, parsed in keyed]
    inputs = [
        SubgroupInput(
            characteristic_id=p.characteristic_id,
            measurements=tuple(p.values),
            count=p.count,
            sample_size=p.sample_size,
            timestamp=p.stamp,
            idempotency_key=key,
            operator=p.operator,
            batch_number=p.batch,
            part_number=p.part,
            source="IMPORT",
            user_id=user_id,
        )
        for (_, key), p in keyed
    ]
    for parsed, result in zip(batch, process_many(inputs, keys_unseen=True), strict=True):
        done += parsed.rows
        if isinstance(result, InputError):
            refused += 1
            problems.append(Problem(parsed.row, result.field, result.message).as_dict())
        elif result.created:
            stored += 1
            violations += len(result.violations)
        else:
            replayed += 1
    with guard:
        record.rows_done += done
        record.stored += stored
        record.replayed += replayed
        record.refused += refused
        record.violations += violations
        Import.objects.filter(pk=record.pk).update(
            rows_done=record.rows_done,
            stored=record.stored,
            replayed=record.replayed,
            refused=record.refused,
            violations=record.violations,
        )
        if progress is not None:
            progress(record)


def _finish(record: Import, state: str, message: str) -> Import:
    record.state, record.message, record.finished_at = state, message, timezone.now()
    if state == ImportState.DONE:
        record.rows_done = record.rows_total
    record.save()
    return record
