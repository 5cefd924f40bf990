"""A bounded queue that hands items over in runs: the ingest worker's intake.

``queue.Queue`` takes its lock, checks its bounds and notifies once per item, on both
sides: about 1.7 us of the network thread and 1 us of the main thread per message at the
ingest bench's rates. The network thread reads packets in runs of up to a thousand and the
main loop takes batches of hundreds, so here both do that per run.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class QueueFullError(Exception):
    """Raised by :meth:`BatchQueue.put` when no room came within the timeout."""


class BatchQueue(Generic[T]):
    """FIFO of at most ``maxsize`` items (0: unbounded), put and taken one or many at a
    time; safe between threads."""

    def __init__(self, maxsize: int = 0) -> None:
        self.maxsize = maxsize
        self._items: deque[T] = deque()
        self._lock = threading.Lock()
        self._not_empty = threading.Condition(self._lock)
        self._not_full = threading.Condition(self._lock)

    def qsize(self) -> int:
        """How many items wait."""
        return len(self._items)

    def _room(self) -> int:
        return self.maxsize - len(self._items) if self.maxsize > 0 else 1 << 62

    def _has_room(self) -> bool:
        return self._room() > 0

    def put(self, item: T, timeout: float | None = None) -> None:
        """Add one item, waiting up to ``timeout`` seconds (``None``: for ever) for room;
        :class:`QueueFullError` if none came."""
        with self._not_full:
            if not self._not_full.wait_for(self._has_room, timeout):
                raise QueueFullError
            self._items.append(item)
            self._not_empty.notify()

    def put_many(self, items: Sequence[T], timeout: float | None = None) -> int:
        """Add ``items`` in order, as many at a time as there is room for, waiting up to
        ``timeout`` seconds for room each time there is none; how many were added (fewer
        than ``len(items)`` only when the time ran out)."""
        added = 0
        with self._not_full:
            while added < len(items):
                if not self._not_full.wait_for(self._has_room, timeout):
                    break
                run = items[added : added + self._room()]
                self._items.extend(run)
                added += len(run)
                self._not_empty.notify()
        return added

    def get(self, timeout: float | None = None) -> T | None:
        """The oldest item, waiting up to ``timeout`` seconds for one (``None``: for ever;
        0: not at all); ``None`` if none came."""
        taken = self.take(1, timeout)
        return taken[0] if taken else None

    def take(self, most: int, timeout: float | None = None, linger: float = 0.0) -> list[T]:
        """Up to ``most`` items, oldest first: waits up to ``timeout`` seconds for the
        first (``None``: for ever; 0: not at all), then up to ``linger`` more seconds for
        the rest while fewer than ``most`` have come."""
        taken: list[T] = []
        items = self._items
        with self._not_empty:
            if not items:
                if timeout is not None and timeout <= 0:
                    return taken
                self._not_empty.wait_for(lambda: bool(items), timeout)
                if not items:
                    return taken
            deadline = time.monotonic() + linger
            while True:
                while items and len(taken) < most:
                    taken.append(items.popleft())
                self._not_full.notify_all()
                if len(taken) >= most:
                    break
                remaining = deadline - time.monotonic()
                timed_out = remaining <= 0 or not self._not_empty.wait(remaining)
                if timed_out and not items:
                    break
        return taken
