"""Pure subgroup building per characteristic (no Django, no MQTT).

Each buffered reading carries the opaque acknowledgement handle of the MQTT message it came
from. A closed subgroup hands all its handles back, so the worker acknowledges the messages
only after the subgroup is committed: a crash before that redelivers every reading of an
open buffer, and buffers need no storage of their own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ON_CHANGE = "ON_CHANGE"
ON_TRIGGER = "ON_TRIGGER"
KEEP = "KEEP"
DISCARD = "DISCARD"

FULL = "full"
TRIGGER = "trigger"
TIMEOUT = "timeout"
DISCARDED = "discarded"
OVERFLOW = "overflow"
EMPTY = "empty"


@dataclass(frozen=True)
class BufferConfig:
    """How readings of one characteristic become subgroups."""

    characteristic_id: int
    subgroup_size: int = 1
    min_measurements: int = 1
    strategy: str = ON_CHANGE
    timeout_seconds: float = 60.0
    partial_policy: str = KEEP


@dataclass(frozen=True)
class BufferedReading:
    """One measurement waiting for its subgroup to close."""

    value: float
    key: str | None = None
    timestamp: datetime | None = None
    handle: Hashable | None = None
    sample_size: float | None = None
    part_number: str = ""


@dataclass(frozen=True)
class ClosedSubgroup:
    """A subgroup ready for the pipeline (or to discard), with its messages' ack handles."""

    characteristic_id: int
    values: tuple[float, ...]
    handles: tuple[Any, ...]
    outcome: str
    timestamp: datetime | None = None
    idempotency_key: str | None = None
    sample_size: float | None = None
    part_number: str = ""

    @property
    def should_process(self) -> bool:
        """True when the subgroup goes to the pipeline (not discarded, not empty)."""
        return self.outcome in (FULL, TRIGGER, TIMEOUT) and bool(self.values)


def subgroup_key(keys: list[str | None]) -> str | None:
    """One reading's key as is; several combine into a hash; any missing key gives None."""
    if not keys or any(k is None for k in keys):
        return None
    if len(keys) == 1:
        return keys[0]
    digest = hashlib.sha256("\n".join(k for k in keys if k is not None).encode()).hexdigest()
    return f"g{len(keys)}:{digest[:40]}"


@dataclass
class SubgroupBuffer:
    """The open subgroup of one characteristic."""

    config: BufferConfig
    readings: list[BufferedReading] = field(default_factory=list)
    opened_at: float | None = None

    @property
    def deadline(self) -> float | None:
        """When the open subgroup times out (same clock as ``now``), or None when empty."""
        if self.opened_at is None or self.config.timeout_seconds <= 0:
            return None
        return self.opened_at + self.config.timeout_seconds

    def add(self, reading: BufferedReading, now: float) -> list[ClosedSubgroup]:
        """Buffer a reading; returns the subgroups it closed (ON_CHANGE at nominal n).

        A reading of another part number than the open subgroup's closes that subgroup
        first, by the partial policy: a subgroup holds one part (short-run charts).
        """
        closed: list[ClosedSubgroup] = []
        if self.readings and reading.part_number != self.readings[0].part_number:
            closed.append(self.flush())
        if not self.readings:
            self.opened_at = now
        self.readings.append(reading)
        if self.config.strategy == ON_CHANGE:
            if len(self.readings) >= max(1, self.config.subgroup_size):
                closed.append(self._close(FULL))
        elif len(self.readings) > max(1, self.config.subgroup_size):
            # ON_TRIGGER keeps the newest n readings; an older one is handed back as dropped.
            oldest = self.readings.pop(0)
            closed.append(
                ClosedSubgroup(
                    self.config.characteristic_id,
                    (oldest.value,),
                    (oldest.handle,) if oldest.handle is not None else (),
                    OVERFLOW,
                    oldest.timestamp,
                )
            )
        return closed

    def trigger(
        self, now: float, handle: Hashable | None = None, timestamp: datetime | None = None
    ) -> list[ClosedSubgroup]:
        """The trigger tag fired: close what is buffered (the trigger's handle rides along)."""
        extra = (handle,) if handle is not None else ()
        if not self.readings:
            return [ClosedSubgroup(self.config.characteristic_id, (), extra, EMPTY, timestamp)]
        return [self._close(TRIGGER, extra_handles=extra, timestamp=timestamp)]

    def flush_due(self, now: float) -> list[ClosedSubgroup]:
        """Close the open subgroup when its buffer timeout has passed."""
        deadline = self.deadline
        if deadline is None or now < deadline:
            return []
        return [self.flush()]

    def flush(self) -> ClosedSubgroup:
        """Close the partial subgroup now by the partial policy."""
        if not self.readings:
            return ClosedSubgroup(self.config.characteristic_id, (), (), EMPTY)
        # Meeting min_measurements, a partial subgroup is kept (the pipeline flags it
        # undersized); below it, KEEP still offers it to the pipeline and DISCARD drops it.
        keep = (
            len(self.readings) >= self.config.min_measurements or self.config.partial_policy == KEEP
        )
        return self._close(TIMEOUT if keep else DISCARDED)

    def _close(
        self,
        outcome: str,
        extra_handles: tuple[Any, ...] = (),
        timestamp: datetime | None = None,
    ) -> ClosedSubgroup:
        readings, self.readings, self.opened_at = self.readings, [], None
        last = readings[-1]
        return ClosedSubgroup(
            characteristic_id=self.config.characteristic_id,
            values=tuple(r.value for r in readings),
            handles=tuple(r.handle for r in readings if r.handle is not None) + extra_handles,
            outcome=outcome,
            timestamp=timestamp or last.timestamp,
            idempotency_key=subgroup_key([r.key for r in readings]),
            sample_size=last.sample_size,
            part_number=last.part_number,
        )


class SubgroupBuilder:
    """The open buffers of all characteristics."""

    def __init__(self) -> None:
        self._buffers: dict[int, SubgroupBuffer] = {}

    def configure(self, config: BufferConfig) -> list[ClosedSubgroup]:
        """Set or change a characteristic's config; a changed config flushes its buffer."""
        current = self._buffers.get(config.characteristic_id)
        if current is not None and current.config == config:
            return []
        flushed = [current.flush()] if current is not None and current.readings else []
        self._buffers[config.characteristic_id] = SubgroupBuffer(config)
        return flushed

    def buffer(self, characteristic_id: int) -> SubgroupBuffer:
        """The buffer of a configured characteristic (KeyError otherwise)."""
        return self._buffers[characteristic_id]

    def add(
        self, characteristic_id: int, reading: BufferedReading, now: float
    ) -> list[ClosedSubgroup]:
        """Buffer one reading for a characteristic."""
        return self._buffers[characteristic_id].add(reading, now)

    def trigger(
        self,
        characteristic_id: int,
        now: float,
        handle: Hashable | None = None,
        timestamp: datetime | None = None,
    ) -> list[ClosedSubgroup]:
        """Fire the trigger of a characteristic."""
        return self._buffers[characteristic_id].trigger(now, handle, timestamp)

    def flush_due(self, now: float) -> list[ClosedSubgroup]:
        """Close every buffer whose timeout has passed."""
        closed: list[ClosedSubgroup] = []
        for buffer in self._buffers.values():
            if buffer.readings:  # called every loop turn over every characteristic
                closed.extend(buffer.flush_due(now))
        return closed

    def flush_all(self) -> list[ClosedSubgroup]:
        """Close every non-empty buffer (shutdown)."""
        return [b.flush() for b in self._buffers.values() if b.readings]

    def next_deadline(self) -> float | None:
        """The earliest timeout among open buffers."""
        deadlines = [d for b in self._buffers.values() if (d := b.deadline) is not None]
        return min(deadlines) if deadlines else None

    def pending(self) -> int:
        """Readings buffered and not yet in a closed subgroup."""
        return sum(len(b.readings) for b in self._buffers.values())
