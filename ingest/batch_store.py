"""Storing a batch's operations inside its transaction.

Buffered readings become ``PendingReading`` rows (a key seen before is a redelivery);
adding them or firing a trigger may close subgroups, which join the direct subgroups; all
go through ``spc.pipeline.processing.process_many`` at once. Consumed readings are then
marked with their sample (0: discarded), and violations queue their events for after the
commit.
"""

from __future__ import annotations

import json
import time

from ingest.buffers import DISCARDED, OVERFLOW, BufferedReading, ClosedSubgroup, SubgroupBuilder
from ingest.events import violation_events
from ingest.mapping import Mapping
from ingest.models import PendingReading
from ingest.operations import BatchWork, Operations, PipelineInput, TriggerFired
from spc.core.errors import InputError
from spc.pipeline.bulk_rows import insert_objects
from spc.pipeline.parts import UnknownPart
from spc.pipeline.processing import SubgroupInput, UnknownCharacteristic, process_many


class BatchStore:
    """Stores one transaction's operations or closed subgroups, recording into ``work``."""

    def __init__(
        self,
        mapping: Mapping,
        builder: SubgroupBuilder,
        work: BatchWork,
        events_topic: str,
        sparkplug_events_topic: str,
        source: str = "MQTT",
    ) -> None:
        self.mapping = mapping
        self.builder = builder
        self.work = work
        self.events_topic = events_topic
        self.sparkplug_events_topic = sparkplug_events_topic
        self.source = source
        """The pipeline source of subgroups closed from buffered readings."""

    def apply(self, ops: Operations) -> None:
        """Store the batch's operations in order: buffered readings as ``PendingReading``
        rows (a key seen before is a replay), subgroups they close, direct subgroups and
        triggers, all subgroups through ``process_many`` at once."""
        readings = [op for op in ops if isinstance(op, PendingReading)]
        seen = _stored_reading_keys(readings)
        fresh: list[PendingReading] = []
        for row in readings:
            if row.key is not None:
                ident = (row.characteristic_id, row.key)
                if ident in seen:
                    row.pk = None  # a redelivery: skipped below
                    self.work.outcome.replays += 1
                    continue
                seen.add(ident)
            fresh.append(row)
        insert_objects(fresh)
        inputs: list[PipelineInput] = []
        marks: dict[int, int] = {}
        now = time.monotonic()
        for op in ops:
            if isinstance(op, PipelineInput):
                inputs.append(op)
            elif isinstance(op, TriggerFired):
                if op.characteristic_id in self.mapping.targets:
                    for closed in self.builder.trigger(
                        op.characteristic_id, now, timestamp=op.timestamp
                    ):
                        self._close(closed, inputs, marks)
            elif op.pk is not None:
                buffered = BufferedReading(
                    op.value, op.key, op.timestamp, op.pk, op.sample_size, op.part_number
                )
                for closed in self.builder.add(op.characteristic_id, buffered, now):
                    self._close(closed, inputs, marks)
        self._run(inputs, marks)
        _mark_consumed(marks)

    def store_closed(self, closed: list[ClosedSubgroup]) -> None:
        """Store subgroups closed outside a batch (a timeout, a new mapping, a restart)."""
        inputs: list[PipelineInput] = []
        marks: dict[int, int] = {}
        for subgroup in closed:
            self._close(subgroup, inputs, marks)
        self._run(inputs, marks)
        _mark_consumed(marks)

    def _close(
        self, closed: ClosedSubgroup, inputs: list[PipelineInput], marks: dict[int, int]
    ) -> None:
        """Queue a closed subgroup for the pipeline, or dead-letter a discarded one."""
        if closed.outcome in (DISCARDED, OVERFLOW):
            overflow = closed.outcome == OVERFLOW
            self.work.dead_letter(
                f"characteristic/{closed.characteristic_id}",
                json.dumps(list(closed.values)).encode(),
                "trigger_overflow" if overflow else "partial_discarded",
                "more than n readings before the trigger; the oldest was dropped"
                if overflow
                else f"{len(closed.values)} readings below min_measurements at the timeout",
            )
            marks.update((int(h), 0) for h in closed.handles)
            return
        if not closed.should_process:
            return
        data = SubgroupInput(
            characteristic_id=closed.characteristic_id,
            measurements=closed.values,
            timestamp=closed.timestamp,
            idempotency_key=closed.idempotency_key,
            source=self.source,
            part_number=closed.part_number,
        )
        inputs.append(PipelineInput(data, handles=tuple(int(h) for h in closed.handles)))

    def _run(self, inputs: list[PipelineInput], marks: dict[int, int]) -> None:
        """The batch's subgroups through the pipeline; refusals become dead letters."""
        if not inputs:
            return
        outcome = self.work.outcome
        # This batch's transaction has only added readings: no characteristic row changed.
        results = process_many([op.data for op in inputs], rows_unchanged=True)
        for op, result in zip(inputs, results, strict=True):
            data = op.data
            if isinstance(result, InputError):
                topic = op.topic or f"characteristic/{data.characteristic_id}"
                payload = op.payload or json.dumps(list(data.measurements)).encode()
                unknown = isinstance(result, UnknownCharacteristic)
                reason = "unknown_topic" if unknown else "input_error"
                if isinstance(result, UnknownPart):  # short-run chart: no target for the part
                    reason = "unknown_part"
                self.work.dead_letter(topic, payload, reason, str(result))
                marks.update((h, 0) for h in op.handles)
                continue
            if op.handles:  # readings buffered into this subgroup (none for a direct one)
                marks.update((h, result.sample.pk) for h in op.handles)
            if result.created:
                outcome.samples += 1
                outcome.measurements += len(data.measurements) or 1
                if result.violations:
                    self.work.outbound += violation_events(
                        result,
                        self.mapping.targets[data.characteristic_id].sparkplug,
                        self.events_topic,
                        self.sparkplug_events_topic,
                    )
            else:
                outcome.replays += 1


def _stored_reading_keys(readings: list[PendingReading]) -> set[tuple[int, str]]:
    """(characteristic, key) of the readings already buffered or consumed (one query)."""
    keyed = [r for r in readings if r.key is not None]
    if not keyed:
        return set()
    rows = PendingReading.objects.filter(
        characteristic_id__in={r.characteristic_id for r in keyed},
        key__in={r.key for r in keyed},
    ).values_list("characteristic_id", "key")
    return {(cid, key) for cid, key in rows if key is not None}


def _mark_consumed(marks: dict[int, int]) -> None:
    """Set ``sample_id`` on consumed reading rows (0: discarded) with bulk updates."""
    if not marks:
        return
    rows = [PendingReading(pk=pk, sample_id=sample_id) for pk, sample_id in marks.items()]
    PendingReading.objects.bulk_update(rows, ["sample_id"], batch_size=1000)
