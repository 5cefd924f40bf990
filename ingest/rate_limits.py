"""Per-topic rate limits: how many messages a second the worker takes from one topic.

A limited topic gets a token bucket: ``rate`` tokens a second, at most one second's worth
(and at least one) saved up. A message that finds a token goes on to the pipeline; one
that does not is held, in order, until its turn. Messages of a topic that has some held
always queue behind them, so a topic's messages reach the pipeline in the order they came.

When a topic has ``max_held`` messages held, its policy decides:

- ``DROP_OLDEST``: the oldest held message is dropped (the worker keeps it as a dead letter
  and counts it), the new one is held;
- ``BLOCK``: nothing is dropped; the worker stops taking messages from the broker until
  the topic's next turn, so the backpressure reaches the broker (and every other topic of
  the worker waits too: one connection delivers them all in order).

Held messages are not acknowledged, so a worker that stops with messages held gets them
again from the broker. Pure Python, no Django: the worker supplies the clock.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Generic, TypeVar

DROP_OLDEST = "DROP_OLDEST"
BLOCK = "BLOCK"

T = TypeVar("T")

_ONE = 1.0 - 1e-9
"""A whole token, less what floating-point sums of elapsed time may lose."""


@dataclass(frozen=True)
class TopicLimit:
    """The limit of one characteristic's topics."""

    rate: float
    """Messages per second."""
    max_held: int = 1000
    policy: str = DROP_OLDEST

    @property
    def burst(self) -> float:
        """Tokens a quiet topic saves up: one second's worth, at least one."""
        return max(1.0, self.rate)


@dataclass
class _Bucket(Generic[T]):
    limit: TopicLimit
    tokens: float
    updated: float
    held: deque[T] = field(default_factory=deque)

    def refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(
                self.limit.burst, self.tokens + (now - self.updated) * self.limit.rate
            )
        self.updated = now

    def full(self) -> bool:
        return len(self.held) >= self.limit.max_held


@dataclass
class Offered(Generic[T]):
    """What became of one offered message: passed on, or held (in neither list), and the
    held message it pushed out, if any."""

    passed: list[T] = field(default_factory=list)
    """Go on to the pipeline now."""
    dropped: list[T] = field(default_factory=list)
    """Dropped by DROP_OLDEST (the oldest held ones)."""


class TopicRateLimiter(Generic[T]):
    """Token buckets by topic, with the messages each holds."""

    def __init__(self) -> None:
        self._buckets: dict[str, _Bucket[T]] = {}

    def offer(self, topic: str, item: T, limit: TopicLimit | None, now: float) -> Offered[T]:
        """Pass ``item`` on if ``topic`` has a token and nothing held, else hold it
        (dropping the oldest held message when the topic's policy says so)."""
        result: Offered[T] = Offered()
        if limit is None:
            unlimited = self._buckets.pop(topic, None)  # the limit was removed
            if unlimited is not None:
                result.passed.extend(unlimited.held)
            result.passed.append(item)
            return result
        bucket = self._buckets.get(topic)
        if bucket is None or bucket.limit != limit:
            held = bucket.held if bucket is not None else deque()
            bucket = _Bucket(limit, limit.burst, now, held)
            self._buckets[topic] = bucket
        bucket.refill(now)
        if not bucket.held and bucket.tokens >= _ONE:
            bucket.tokens -= 1.0
            result.passed.append(item)
            return result
        if bucket.full() and limit.policy == DROP_OLDEST:
            result.dropped.append(bucket.held.popleft())
        bucket.held.append(item)
        return result

    def release(self, now: float) -> list[T]:
        """The held messages whose turn has come, each topic's in the order they came."""
        released: list[T] = []
        for topic, bucket in list(self._buckets.items()):
            bucket.refill(now)
            while bucket.held and bucket.tokens >= _ONE:
                bucket.tokens -= 1.0
                released.append(bucket.held.popleft())
            if not bucket.held and bucket.tokens >= bucket.limit.burst:
                del self._buckets[topic]  # a quiet topic: a new bucket is the same
        return released

    def blocked(self) -> bool:
        """A BLOCK topic has its most messages held: take nothing more from the broker."""
        return any(b.limit.policy == BLOCK and b.full() for b in self._buckets.values())

    def next_turn(self, now: float) -> float | None:
        """Seconds until the next held message's turn (None: nothing held)."""
        waits = []
        for bucket in self._buckets.values():
            if bucket.held:
                bucket.refill(now)
                waits.append(max(0.0, (1.0 - bucket.tokens) / bucket.limit.rate))
        return min(waits) if waits else None

    def held(self) -> int:
        """Messages held, all topics."""
        return sum(len(b.held) for b in self._buckets.values())
