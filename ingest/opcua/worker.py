"""The OPC UA ingest worker (``manage.py ingest_opcua``).

An asyncio thread holds one session per endpoint (``ingest.opcua.session``); data changes
go to a queue. The main thread takes batches from it and stores each in ONE transaction
through the same subgroup buffers and batch store as MQTT (``ingest.batch_store``), then
records the endpoints' status. Open subgroups live in ``PendingReading`` rows, so a
restart reloads them; a value seen again (same node id and source time) is a no-op.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, transaction

from ingest.batch_store import BatchStore
from ingest.buffers import BufferedReading, ClosedSubgroup, SubgroupBuilder
from ingest.models import IngestCounter, PendingReading
from ingest.opcua import status
from ingest.opcua.batches import SOURCE, route_values
from ingest.opcua.config import OpcUaMapping, config_version, load_config
from ingest.opcua.readings import OpcUaValue
from ingest.opcua.session import Sink, run_session
from ingest.operations import BatchOutcome, BatchWork, Operations

logger = logging.getLogger(__name__)


@dataclass
class OpcUaOptions:
    """Tuning of the worker."""

    batch_size: int = 2000
    linger: float = 0.05
    """Seconds to wait for more values after the first of a batch."""
    reload_interval: float = 5.0
    backoff: tuple[float, float] = (0.5, 30.0)
    """Reconnect delay: first, and most after doubling."""


class OpcUaWorker:
    """Subscribe to the configured nodes; store their values as samples, once each."""

    def __init__(
        self,
        options: OpcUaOptions | None = None,
        on_batch: Callable[[BatchOutcome], None] | None = None,
    ) -> None:
        self.options = options or OpcUaOptions()
        self.on_batch = on_batch
        self.values: queue.Queue[OpcUaValue] = queue.Queue()
        self.states: queue.Queue[status.StateChange] = queue.Queue()
        self.stop_event = threading.Event()
        self.config = OpcUaMapping()
        self.builder = SubgroupBuilder()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._session_stop: asyncio.Event | None = None
        self._last_reload = 0.0
        self._last_heartbeat = 0.0

    # -- sessions (asyncio thread) ---------------------------------------------------

    def _sink(self) -> Sink:
        return Sink(
            value=self.values.put,
            state=lambda ep, ok, error: self.states.put(status.StateChange(ep, ok, error)),
        )

    def _start_sessions(self) -> None:
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        endpoints = list(self.config.endpoints.values())

        async def main() -> None:
            self._session_stop = asyncio.Event()
            ready.set()
            sink = self._sink()
            backoff = self.options.backoff
            await asyncio.gather(
                *(run_session(ep, sink, self._session_stop, backoff) for ep in endpoints)
            )

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(main())
            finally:
                loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="opcua-sessions", daemon=True)
        self._thread.start()
        ready.wait(5)

    def _stop_sessions(self) -> None:
        if self._loop is not None and self._session_stop is not None and self._thread is not None:
            stop = self._session_stop
            self._loop.call_soon_threadsafe(stop.set)
            self._thread.join(10)
        self._loop = self._thread = self._session_stop = None

    # -- configuration and buffers ---------------------------------------------------

    def start(self) -> None:
        """Load the mapping and open buffers, then connect every endpoint."""
        self.config = load_config()
        for target in self.config.mapping.targets.values():
            self.builder.configure(target.buffer)
        self._restore_buffers()
        self._last_reload = time.monotonic()
        self._start_sessions()

    def reload(self, force: bool = False) -> None:
        """Reconnect with the new configuration when endpoints or nodes changed."""
        now = time.monotonic()
        if not force and now - self._last_reload < self.options.reload_interval:
            return
        self._last_reload = now
        if not force and config_version() == self.config.version:
            return
        self._stop_sessions()
        self.drain(timeout=0)
        config = load_config()
        flushed: list[ClosedSubgroup] = []
        for target in config.mapping.targets.values():
            flushed.extend(self.builder.configure(target.buffer))
        self.config = config
        if flushed:
            self._commit_closed(flushed)
        self._start_sessions()

    def _restore_buffers(self) -> None:
        """Open subgroups of OPC UA characteristics from their ``PendingReading`` rows."""
        now = time.monotonic()
        closed: list[ClosedSubgroup] = []
        targets = self.config.mapping.targets
        rows = PendingReading.objects.filter(
            sample_id__isnull=True, characteristic_id__in=list(targets)
        ).order_by("id")
        for row in rows:
            target = targets[row.characteristic_id]
            if target.direct:
                continue
            reading = BufferedReading(
                row.value, row.key, row.timestamp, row.pk, row.sample_size, row.part_number
            )
            closed.extend(self.builder.add(target.characteristic_id, reading, now))
        if closed:
            self._commit_closed(closed)

    def _store(self, work: BatchWork) -> BatchStore:
        return BatchStore(
            self.config.mapping,
            self.builder,
            work,
            settings.OPENSPC_EVENTS_TOPIC,
            settings.OPENSPC_SPARKPLUG_EVENTS_TOPIC,
            source=SOURCE,
        )

    def _commit_closed(self, closed: list[ClosedSubgroup]) -> None:
        with transaction.atomic():
            self._store(BatchWork()).store_closed(closed)

    # -- the loop ----------------------------------------------------------------------

    def run(self, install_signals: bool = True) -> None:
        """Store values until SIGTERM/SIGINT or :meth:`stop`; then disconnect."""
        if install_signals:
            signal.signal(signal.SIGTERM, lambda *_: self.stop_event.set())
            signal.signal(signal.SIGINT, lambda *_: self.stop_event.set())
        self.start()
        try:
            while not self.stop_event.is_set():
                self.step(timeout=0.2)
        finally:
            self.shutdown()

    def stop(self) -> None:
        """Ask :meth:`run` to finish."""
        self.stop_event.set()

    def take(self, timeout: float) -> list[OpcUaValue]:
        """Up to ``batch_size`` queued values, waiting ``timeout`` for the first and
        lingering briefly for more."""
        try:
            first = self.values.get(timeout=timeout) if timeout > 0 else self.values.get_nowait()
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + (self.options.linger if timeout > 0 else 0.0)
        while len(batch) < self.options.batch_size:
            remaining = deadline - time.monotonic()
            try:
                batch.append(
                    self.values.get(timeout=remaining)
                    if remaining > 0
                    else self.values.get_nowait()
                )
            except queue.Empty:
                break
        return batch

    def step(self, timeout: float = 0.2) -> BatchOutcome | None:
        """Record state changes, store one batch, close timed-out subgroups, reload."""
        self._record_states()
        batch = self.take(timeout)
        outcome = self._process_with_retry(batch) if batch else None
        due = self.builder.flush_due(time.monotonic())
        if due:
            self._commit_closed(due)
        now = time.monotonic()
        if now - self._last_heartbeat > status.HEARTBEAT_SECONDS:
            self._last_heartbeat = now
            status.heartbeat(list(self.config.endpoints))
        self.reload()
        return outcome

    def drain(self, timeout: float = 0.0) -> None:
        """Store everything queued now (a reload, shutdown)."""
        while batch := self.take(timeout):
            self._process_with_retry(batch)

    def _record_states(self) -> None:
        while True:
            try:
                change = self.states.get_nowait()
            except queue.Empty:
                return
            status.record_state(change)

    def _process_with_retry(self, batch: list[OpcUaValue]) -> BatchOutcome:
        delay = 0.1
        while True:
            try:
                return self.process_batch(batch)
            except DatabaseError:
                logger.exception("OPC UA batch of %d failed; retrying", len(batch))
                self.builder = SubgroupBuilder()
                for target in self.config.mapping.targets.values():
                    self.builder.configure(target.buffer)
                self._restore_buffers()
                if self.stop_event.wait(delay):
                    raise
                delay = min(delay * 2, 5.0)

    def process_batch(self, batch: list[OpcUaValue]) -> BatchOutcome:
        """Store a batch of values in one transaction; then update the endpoints' status."""
        work = BatchWork()
        outcome = work.outcome
        with transaction.atomic():
            ops = Operations()
            route_values(self.config, batch, ops, work)
            self._store(work).apply(ops)
            counts = {"opcua.values": len(batch)}
            if outcome.measurements:
                counts["measurements"] = outcome.measurements
            if outcome.replays:
                counts["redelivered"] = outcome.replays
            IngestCounter.add(counts)
        outcome.committed_at = time.time()
        outcome.received = [item.received for item in batch]
        last: dict[int, str] = {}
        per_endpoint: dict[int, int] = {}
        for item in batch:
            last[item.endpoint_id] = f"{item.node_id} = {item.value!r} ({item.status_name})"
            per_endpoint[item.endpoint_id] = per_endpoint.get(item.endpoint_id, 0) + 1
        status.record_values(last, per_endpoint)
        if self.on_batch is not None:
            self.on_batch(outcome)
        return outcome

    def shutdown(self) -> None:
        """Disconnect every session and store what was received (open subgroups stay in
        ``PendingReading``)."""
        self.stop_event.set()
        self._stop_sessions()
        self.drain(timeout=0)
        self._record_states()
        for endpoint_id in self.config.endpoints:
            status.record_state(status.StateChange(endpoint_id, False, ""))
