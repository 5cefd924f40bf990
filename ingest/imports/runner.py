"""The two passes over an import file: the scan (preview and every problem, nothing
stored) and the job (subgroups fed through the one pipeline in source-time order).

Both stream the file, so memory stays bounded whatever its size; the job sorts with
``sorting.in_time_order`` only when the scan found a characteristic's rows out of order.
Each subgroup's idempotency key is ``imp:<file hash>:<row>``, so importing the same file
again stores nothing twice.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.utils import timezone

from hierarchy.scoping import scope_queryset
from ingest.imports.lane_process import LaneProcesses, use_processes
from ingest.imports.lanes import Lanes, lane_count
from ingest.imports.mapping import Mapping
from ingest.imports.models import Import, ImportState
from ingest.imports.reading import detect, header_and_rows
from ingest.imports.sorting import in_time_order
from ingest.imports.store import COLLECT_EVERY, Outcome, store_batch
from ingest.imports.subgroups import Characteristics, Parsed, Problem, RowReader
from spc.core.errors import InputError
from spc.models import Characteristic
from spc.pipeline import chart_revisions, gc_pause

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 20
KEPT_PROBLEMS = 1000
BATCH = 2000


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

    count = lane_count()
    children = LaneProcesses(count) if use_processes(record.rows_total, count) else None

    def store(batch: list[Parsed]) -> None:
        if children is None:
            outcome = store_batch(batch, prefix, record.created_by_id)
        else:
            outcome = children.for_this_thread().store(batch, prefix, record.created_by_id)
            chart_revisions.touch(outcome.characteristic_ids)  # a cache of this process
        _apply(record, outcome, problems, progress, guard)
        gc_pause.collect_young(every=COLLECT_EVERY)  # finished batches' cycles

    # A batch's rows live until it is stored: with the collector running they would be
    # promoted to its oldest generation, whose collections traverse the whole process.
    with (
        children or contextlib.nullcontext(),
        gc_pause.paused(),
        Lanes(count, BATCH, _characteristic, store) as lanes,
    ):
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


def _apply(
    record: Import,
    outcome: Outcome,
    problems: list[dict[str, Any]],
    progress: Progress | None,
    guard: threading.Lock,
) -> None:
    """Add a batch's outcome to ``record`` under ``guard`` (lanes share it) and save the
    counts, so the import's page shows its progress."""
    with guard:
        problems.extend(outcome.problems)
        record.rows_done += outcome.done
        record.stored += outcome.stored
        record.replayed += outcome.replayed
        record.refused += outcome.refused
        record.violations += outcome.violations
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
