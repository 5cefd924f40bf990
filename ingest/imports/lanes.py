"""Import batches stored by background threads, one lane per group of characteristics.

A batch spends about a third of its time waiting for PostgreSQL (the inserts, their
indexes and foreign keys), and psycopg releases the interpreter lock while it waits. With
two lanes, one lane's batch is evaluated while the other's rows are written, and the main
thread reads the file meanwhile. Characteristics are independent in the pipeline (windows,
limits, episodes are per characteristic), so each characteristic keeps to one lane and its
subgroups are stored in file order; only the interleaving of different characteristics'
sample ids changes.

A lane has its own database connection, which sees only committed rows: lanes are used on
PostgreSQL outside a transaction (the import job), never inside one (a test's transaction,
a caller's ``atomic`` block) nor on SQLite, whose writers lock the whole file.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from django.conf import settings
from django.db import connection

T = TypeVar("T")

DEFAULT_LANES = 2
"""Lanes on PostgreSQL unless ``OPENSPC_IMPORT_LANES`` says otherwise (1: no threads)."""

QUEUED_BATCHES = 2
"""Batches a lane may have waiting; the file reader waits beyond that (bounded memory)."""


def lane_count() -> int:
    """How many lanes an import may use here and now (1: store in the calling thread)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(1, int(getattr(settings, "OPENSPC_IMPORT_LANES", DEFAULT_LANES)))


class Lanes(Generic[T]):
    """Collects items into per-lane batches of ``size`` and has ``store`` called with each
    batch, in a lane's own thread when ``count`` > 1 and in the caller's otherwise.

    ``key`` says which characteristic an item belongs to; a characteristic is given a lane
    when first seen, in turn. Use as a context manager: leaving it stores the last partial
    batches, waits for every lane and raises the first error a lane met (after which that
    lane stores nothing more).
    """

    def __init__(
        self, count: int, size: int, key: Callable[[T], int], store: Callable[[list[T]], None]
    ) -> None:
        self.count = count
        self.size = size
        self.key = key
        self.store = store
        self.lane_of: dict[int, int] = {}
        self.batches: list[list[T]] = [[] for _ in range(count)]
        self.errors: list[BaseException] = []
        self.queues: list[queue.Queue[list[T] | None]] = []
        self.threads: list[threading.Thread] = []

    def __enter__(self) -> Lanes[T]:
        if self.count > 1:
            for index in range(self.count):
                waiting: queue.Queue[list[T] | None] = queue.Queue(maxsize=QUEUED_BATCHES)
                thread = threading.Thread(
                    target=self._work, args=(waiting,), name=f"openspc-import-{index}", daemon=True
                )
                self.queues.append(waiting)
                self.threads.append(thread)
                thread.start()
        return self

    def add(self, item: T) -> None:
        """Queue ``item`` on its characteristic's lane; a full batch goes to be stored."""
        cid = self.key(item)
        lane = self.lane_of.get(cid)
        if lane is None:
            lane = self.lane_of[cid] = len(self.lane_of) % self.count
        batch = self.batches[lane]
        batch.append(item)
        if len(batch) >= self.size:
            self.batches[lane] = []
            self._hand_over(lane, batch)

    def _hand_over(self, lane: int, batch: list[T]) -> None:
        if self.errors:
            raise self.errors[0]
        if self.count == 1:
            self.store(batch)
        else:
            self.queues[lane].put(batch)

    def _work(self, waiting: queue.Queue[list[T] | None]) -> None:
        try:
            while (batch := waiting.get()) is not None:
                if self.errors:
                    continue  # keep taking batches so the reader never blocks on a dead lane
                try:
                    self.store(batch)
                except BaseException as exc:  # handed to the caller in __exit__
                    self.errors.append(exc)
        finally:
            connection.close()  # this thread's own connection

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        try:
            if exc is None:
                for lane, batch in enumerate(self.batches):
                    if batch:
                        self._hand_over(lane, batch)
        finally:
            for waiting in self.queues:
                waiting.put(None)
            for thread in self.threads:
                thread.join()
        if exc is None and self.errors:
            raise self.errors[0]
