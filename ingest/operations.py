"""What a batch of messages becomes inside its transaction: operations in message order
(subgroups for the pipeline, trigger firings, readings to buffer), the events to publish
after the commit, and what the batch did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from ingest import dead_letters
from ingest.models import PendingReading
from spc.core.frozen import quick_init
from spc.pipeline.processing import SubgroupInput


@dataclass
class BatchOutcome:
    """What one committed batch did (for tests, benchmarks and logs)."""

    samples: int = 0
    measurements: int = 0
    replays: int = 0
    dead_letters: int = 0
    committed_at: float = 0.0
    received: list[float] = field(default_factory=list)


@quick_init
@dataclass(frozen=True)
class PipelineInput:
    """A subgroup for the pipeline, with its message (for a dead letter) or its readings."""

    data: SubgroupInput
    topic: str = ""
    payload: bytes = b""
    handles: tuple[int, ...] = ()


@dataclass(frozen=True)
class TriggerFired:
    """A trigger tag fired for a characteristic."""

    characteristic_id: int
    timestamp: datetime | None


Operation = PipelineInput | TriggerFired | PendingReading
"""One step of a batch; a reading to buffer is an unsaved ``PendingReading``."""


class Operations(list[Operation]):
    """A batch's operations in message order, with the time its readings were received."""

    def __init__(self) -> None:
        super().__init__()
        self.now = timezone.now()


@dataclass
class BatchWork:
    """One transaction's effects so far: its outcome and the (topic, payload) messages to
    publish once it has committed (violation events, Sparkplug rebirth requests)."""

    outcome: BatchOutcome = field(default_factory=BatchOutcome)
    outbound: list[tuple[str, bytes]] = field(default_factory=list)

    def dead_letter(self, topic: str, payload: bytes, reason: str, detail: str) -> None:
        """Store a message (or a subgroup's values) the batch could not use, and count it."""
        dead_letters.record(topic, payload, reason, detail)
        self.outcome.dead_letters += 1
