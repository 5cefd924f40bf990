"""The MQTT / Sparkplug B ingest worker: messages in, ``spc.pipeline.processing.process`` out.

At-least-once end to end, idempotent by key:

* paho-mqtt 2 (callback API v2) speaks MQTT 5 with ``clean_start=False`` and a session
  expiry, subscribes at QoS 1 and acknowledges manually. The network thread puts each
  message on a bounded queue (a full queue blocks it: backpressure reaches the broker).
* The main loop takes a batch from the queue and handles it in ONE database transaction:
  samples through the pipeline, readings of open subgroups as ``PendingReading`` rows,
  dead letters with their counters. Only after the commit are the batch's messages
  acknowledged. A crash before that makes the broker redeliver them; their keys (source
  id, Sparkplug seq/timestamp, or a hash of topic, payload and source time) make the
  replay a no-op.
* Open subgroups live in ``PendingReading`` rows, so a restart reloads them.

This module holds the worker's lifecycle, its MQTT session and subscriptions, and the
commit-then-acknowledge step; ``ingest.intake`` gathers batches, ``ingest.routing`` turns
messages into operations and ``ingest.batch_store`` stores them.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import paho.mqtt.client as mqtt
from django.db import DatabaseError, transaction
from django.utils import timezone
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from ingest.batch_store import BatchStore
from ingest.buffers import BufferedReading, ClosedSubgroup, SubgroupBuilder
from ingest.intake import Incoming, Intake
from ingest.mapping import Mapping, load_mapping, mapping_version
from ingest.models import IngestCounter, PendingReading
from ingest.mqtt_client import IngestClient, configure_for_url
from ingest.operations import BatchOutcome, BatchWork, Operations
from ingest.routing import MessageRouter
from ingest.sparkplug_host import SparkplugHost, state_payload
from ingest.topics import SPARKPLUG_NAMESPACE
from openspc.metrics import INGEST_WAITING

logger = logging.getLogger(__name__)

PENDING_RETENTION = timedelta(days=1)


@dataclass
class WorkerOptions:
    """Connection and tuning options of the worker."""

    url: str = "mqtt://127.0.0.1:1883"
    client_id: str = "openspc-ingest"
    tls: bool = False
    ca_file: str | None = None
    host_id: str = "openspc"
    batch_size: int = 2000
    """Most messages in one batch. A batch costs about 3 ms of CPU however many it holds
    (its queries, commit and bookkeeping), and each characteristic it touches costs its
    bookkeeping once, so under a backlog bigger batches cost less per message (pipeline
    bench, 1,000 characteristics: 50.8 us a sample at 500, 45.8 at 1,000, 42.8 at 2,000;
    the ingest bench, 2 workers, alternating runs: 80-89 us a message at 1,000 against
    68-80 at 2,000); below saturation the linger ends a batch long before it is full."""
    linger: float = 0.02
    """Seconds to wait for more messages after the first of a batch."""
    queue_size: int = 20000
    session_expiry: int = 86400
    partition: tuple[int, int] | None = None
    reload_interval: float = 5.0
    events_topic: str = "openspc/events/violations"
    sparkplug_events_topic: str = "openspc/events/sparkplug"
    keepalive: int = 30


class IngestWorker:
    """Subscribe, turn messages into subgroups, commit, then acknowledge."""

    def __init__(
        self,
        options: WorkerOptions,
        on_batch: Callable[[BatchOutcome], None] | None = None,
    ) -> None:
        self.options = options
        self.on_batch = on_batch
        self.stop_event = threading.Event()
        self.intake = Intake(
            options.queue_size, options.batch_size, options.linger, self.stop_event
        )
        self.queue = self.intake.queue
        self.limiter = self.intake.limiter
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.unsubscribed = threading.Event()
        self.generation = 0
        self.builder = SubgroupBuilder()
        self.host = SparkplugHost(options.host_id)
        self.mapping = Mapping()
        self._subscribed: set[str] = set()
        self._last_reload = 0.0
        self._state_ts = 0
        self.client = self._make_client()

    # -- MQTT ---------------------------------------------------------------------------

    def _make_client(self) -> mqtt.Client:
        client = IngestClient(
            CallbackAPIVersion.VERSION2,
            client_id=self.options.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        self._broker = configure_for_url(
            client, self.options.url, tls=self.options.tls, ca_file=self.options.ca_file
        )
        client.max_inflight_messages_set(1000)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_message_batch = self._on_messages
        client.on_subscribe = lambda *args: self.subscribed.set()
        client.on_unsubscribe = lambda *args: self.unsubscribed.set()
        return client

    def start(self) -> None:
        """Load the mapping and open buffers, then connect (reconnecting with backoff)."""
        self.reload_mapping(force=True)
        self._restore_buffers()
        self._state_ts = int(time.time() * 1000)
        self.client.will_set(
            self.host.state_topic, state_payload(False, self._state_ts), qos=1, retain=True
        )
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.options.session_expiry
        properties.ReceiveMaximum = 65535
        host, port = self._broker
        self.client.connect_async(
            host,
            port,
            keepalive=self.options.keepalive,
            clean_start=False,
            properties=properties,
        )
        self.client.loop_start()

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any
    ) -> None:
        if reason_code.is_failure:
            logger.warning("MQTT connect refused: %s", reason_code)
            return
        self.generation += 1
        previous, self._subscribed = self._subscribed, set()
        self._subscribe(self._wanted_subscriptions())
        self._unsubscribe(previous - self._subscribed)  # the session may still hold them
        client.publish(
            self.host.state_topic, state_payload(True, self._state_ts), qos=1, retain=True
        )
        self.connected.set()
        logger.info("MQTT connected (session present: %s)", flags.session_present)

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any
    ) -> None:
        self.connected.clear()
        if not self.stop_event.is_set():
            logger.warning("MQTT disconnected (%s); reconnecting", reason_code)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        """A message paho's own reader decoded (not a plain PUBLISH, or paho's client)."""
        self._on_messages(client, userdata, [message])

    def _on_messages(
        self, client: mqtt.Client, userdata: Any, messages: list[mqtt.MQTTMessage]
    ) -> None:
        """A run of messages read together, queued in one hand-over (waiting while the
        queue is full, until the worker stops)."""
        received = time.time()
        generation = self.generation
        self.intake.put_many(
            [
                Incoming(m.topic, bytes(m.payload), m.mid, m.qos, generation, received)
                for m in messages
            ]
        )

    def _wanted_subscriptions(self) -> set[str]:
        wanted = set(self.mapping.subscriptions())
        for group, *_ in self.mapping.sparkplug:
            wanted.add(f"{SPARKPLUG_NAMESPACE}/{group}/#")
        return wanted

    def _subscribe(self, filters: set[str]) -> None:
        new = sorted(filters - self._subscribed)
        if new and self.generation:
            self.client.subscribe([(f, 1) for f in new])
            self._subscribed |= set(new)

    def _unsubscribe(self, filters: set[str]) -> None:
        if filters and self.generation:
            self.client.unsubscribe(sorted(filters))
            self._subscribed -= filters

    def _sync_subscriptions(self) -> None:
        """Subscribe to the mapping's filters and drop those it no longer has (a removed or
        re-pointed characteristic), so the broker stops sending and queueing them."""
        wanted = self._wanted_subscriptions()
        self._subscribe(wanted)
        self._unsubscribe(self._subscribed - wanted)

    # -- mapping and buffers ------------------------------------------------------------

    def reload_mapping(self, force: bool = False) -> None:
        """Reload the characteristics' mapping when it changed (checked every few seconds)."""
        now = time.monotonic()
        if not force and now - self._last_reload < self.options.reload_interval:
            return
        self._last_reload = now
        if not force and mapping_version() == self.mapping.version:
            return
        mapping = load_mapping(self.options.partition)
        flushed: list[ClosedSubgroup] = []
        for target in mapping.targets.values():
            flushed.extend(self.builder.configure(target.buffer))
        self.mapping = mapping
        if flushed:
            self._commit_closed(flushed)
        if self.generation:
            self._sync_subscriptions()

    def _restore_buffers(self) -> None:
        now = time.monotonic()
        closed: list[ClosedSubgroup] = []
        for row in PendingReading.objects.filter(sample_id__isnull=True).order_by("id"):
            target = self.mapping.targets.get(row.characteristic_id)
            if target is None or target.direct:
                continue
            closed.extend(
                self.builder.add(
                    target.characteristic_id,
                    BufferedReading(
                        row.value, row.key, row.timestamp, row.pk, row.sample_size, row.part_number
                    ),
                    now,
                )
            )
        if closed:
            self._commit_closed(closed)
        PendingReading.objects.filter(
            sample_id__isnull=False, received_at__lt=timezone.now() - PENDING_RETENTION
        ).delete()

    def _store(self, work: BatchWork) -> BatchStore:
        """The store of one transaction's work, with the current mapping and buffers."""
        return BatchStore(
            self.mapping,
            self.builder,
            work,
            self.options.events_topic,
            self.options.sparkplug_events_topic,
        )

    def _commit_closed(self, closed: list[ClosedSubgroup]) -> None:
        work = BatchWork()
        with transaction.atomic():
            self._store(work).store_closed(closed)
        for topic, payload in work.outbound:
            self.client.publish(topic, payload, qos=1)

    # -- the loop -----------------------------------------------------------------------

    def run(self, install_signals: bool = True) -> None:
        """Process messages until SIGTERM/SIGINT or :meth:`stop`; then disconnect."""
        if install_signals:
            signal.signal(signal.SIGTERM, lambda *_: self.stop_event.set())
            signal.signal(signal.SIGINT, lambda *_: self.stop_event.set())
        self.start()
        try:
            while not self.stop_event.is_set():
                self.step(timeout=0.2)
            self.step(timeout=0)  # what is in hand
        finally:
            self.shutdown()

    def step(self, timeout: float = 0.2) -> BatchOutcome | None:
        """Handle one batch (waiting up to ``timeout`` for the first message) and timeouts."""
        batch = self.intake.take_limited(timeout, self.mapping)
        INGEST_WAITING.set(self.intake.waiting())
        outcome = None
        if batch:
            outcome = self._process_with_retry(batch)
        due = self.builder.flush_due(time.monotonic())
        if due:
            self._commit_closed(due)
        self.reload_mapping()
        return outcome

    def _take(self, timeout: float) -> list[Incoming]:
        """What the queue has, without rate limits (see :meth:`Intake.take`)."""
        return self.intake.take(timeout)

    def _process_with_retry(self, batch: list[Incoming]) -> BatchOutcome:
        delay = 0.1
        while True:
            try:
                return self.process_batch(batch)
            except DatabaseError:
                logger.exception("batch of %d failed; retrying", len(batch))
                self._rebuild_buffers()
                if self.stop_event.wait(delay):
                    raise
                delay = min(delay * 2, 5.0)

    def _rebuild_buffers(self) -> None:
        self.builder = SubgroupBuilder()
        self.reload_mapping(force=True)
        self._restore_buffers()

    def process_batch(self, batch: list[Incoming]) -> BatchOutcome:
        """Handle messages in one transaction, then acknowledge them and publish events."""
        work = BatchWork()
        outcome = work.outcome
        with transaction.atomic():
            ops = Operations()
            router = MessageRouter(self.mapping, self.host, ops, work)
            for item in batch:
                router.route(item)
            self._store(work).apply(ops)
            # The counters /metrics exports (names shared with openspc.metrics).
            counts = {"messages": len(batch)}
            if outcome.measurements:
                counts["measurements"] = outcome.measurements
            if outcome.replays:
                counts["redelivered"] = outcome.replays
            IngestCounter.add(counts)
        outcome.committed_at = time.time()
        outcome.received = [item.received for item in batch]
        current = [item for item in batch if item.qos > 0 and item.generation == self.generation]
        ack_many = getattr(self.client, "ack_many", None)  # paho's own Client (bench A/B)
        if ack_many is not None:
            ack_many([item.mid for item in current if item.qos == 1])
        for item in current:
            if item.qos == 2 or ack_many is None:
                self.client.ack(item.mid, item.qos)
        for topic, payload in work.outbound:
            self.client.publish(topic, payload, qos=1)
        if self.on_batch is not None:
            self.on_batch(outcome)
        return outcome

    def shutdown(self) -> None:
        """Stop reading and disconnect cleanly (open subgroups stay in PendingReading)."""
        self.stop_event.set()
        if self.connected.is_set():
            info = self.client.publish(
                self.host.state_topic,
                state_payload(False, self._state_ts),
                qos=1,
                retain=True,
            )
            info.wait_for_publish(timeout=2)
        self.client.disconnect()
        self.client.loop_stop()
