"""The worker's intake: the bounded queue from paho's network thread to the main loop, and
the batches the main loop takes from it (lingering for more, through per-topic rate limits).

A full queue blocks the network thread, so backpressure reaches the broker.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from ingest.batch_queue import BatchQueue
from ingest.mapping import Mapping
from ingest.rate_limits import TopicLimit, TopicRateLimiter
from ingest.topics import SPARKPLUG_NAMESPACE


@dataclass(slots=True)
class Incoming:
    """One received message and what is needed to acknowledge it."""

    topic: str
    payload: bytes
    mid: int
    qos: int
    generation: int
    received: float = field(default_factory=time.time)
    dropped: bool = False
    """Dropped by its topic's rate limit: stored as a dead letter."""


class Intake:
    """Received messages waiting for the main loop: the queue and the rate limiter's held
    messages; batches of at most ``batch_size``, lingering ``linger`` seconds for more."""

    def __init__(
        self, queue_size: int, batch_size: int, linger: float, stop_event: threading.Event
    ) -> None:
        self.queue: BatchQueue[Incoming] = BatchQueue(maxsize=queue_size)
        self.limiter: TopicRateLimiter[Incoming] = TopicRateLimiter()
        self.batch_size = batch_size
        self.linger = linger
        self.stop_event = stop_event

    def put_many(self, items: list[Incoming]) -> None:
        """Queue messages from the network thread, in order, waiting while the queue is
        full (until the worker stops)."""
        added = 0
        while added < len(items) and not self.stop_event.is_set():
            added += self.queue.put_many(items[added:] if added else items, timeout=0.5)

    def waiting(self) -> int:
        """Messages received and not yet taken: queued, or held by a rate limit."""
        return self.queue.qsize() + self.limiter.held()

    def take_limited(self, timeout: float, mapping: Mapping) -> list[Incoming]:
        """A batch: the held messages whose turn has come, then what the queue has, each
        through its topic's rate limit (held, passed, or dropped to be dead-lettered)."""
        now = time.monotonic()
        released = self.limiter.release(now)
        turn = self.limiter.next_turn(now)
        wait = 0.0 if released else timeout if turn is None else min(timeout, turn)
        if self.limiter.blocked():
            # BLOCK: take nothing until the full topic's turn; the queue fills and the
            # network thread stops reading, so the broker holds the rest.
            if not released:
                self.stop_event.wait(wait)
            return released
        batch = self.take(wait)
        if not mapping.limited:
            return released + batch
        now = time.monotonic()
        for item in batch:
            offered = self.limiter.offer(item.topic, item, _limit_of(item.topic, mapping), now)
            released.extend(offered.passed)
            for dropped in offered.dropped:
                dropped.dropped = True
                released.append(dropped)
        return released

    def take(self, timeout: float) -> list[Incoming]:
        """What the queue has (waiting up to ``timeout`` for the first message), lingering
        for more unless ``timeout`` is 0 (draining at shutdown); no rate limits."""
        # Linger briefly for more (not when draining at shutdown): a batch costs about ten
        # round trips however small, so at a steady trickle a few milliseconds of waiting
        # halves the worker's work per message.
        if timeout > 0:
            return self.queue.take(self.batch_size, timeout, self.linger)
        return self.queue.take(self.batch_size, 0)


def _limit_of(topic: str, mapping: Mapping) -> TopicLimit | None:
    """The rate limit of a plain topic's characteristic (Sparkplug topics have none)."""
    if topic.startswith(f"{SPARKPLUG_NAMESPACE}/"):
        return None
    char_id = mapping.router.resolve(topic)
    target = mapping.targets.get(char_id) if char_id is not None else None
    return target.limit if target is not None else None
