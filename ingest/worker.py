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
"""

from __future__ import annotations

import json
import logging
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import paho.mqtt.client as mqtt
from django.db import DatabaseError, transaction
from django.utils import timezone
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from ingest import dead_letters
from ingest.buffers import DISCARDED, OVERFLOW, BufferedReading, ClosedSubgroup, SubgroupBuilder
from ingest.errors import PayloadError
from ingest.events import violation_events
from ingest.mapping import Mapping, Target, load_mapping, mapping_version
from ingest.models import IngestCounter, PendingReading
from ingest.mqtt_client import IngestClient, configure_for_url
from ingest.payloads import Reading, idempotency_key, parse_plain
from ingest.rate_limits import TopicLimit, TopicRateLimiter
from ingest.sparkplug import numeric_value
from ingest.sparkplug_host import MetricReading, SparkplugHost, state_payload
from ingest.topics import SPARKPLUG_NAMESPACE, parse_sparkplug_topic, parse_state_topic
from openspc.metrics import INGEST_WAITING
from spc.core.errors import InputError
from spc.pipeline.bulk_rows import insert_objects
from spc.pipeline.processing import SubgroupInput, UnknownCharacteristic, process_many

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
    batch_size: int = 500
    linger: float = 0.02
    """Seconds to wait for more messages after the first of a batch."""
    queue_size: int = 20000
    session_expiry: int = 86400
    partition: tuple[int, int] | None = None
    reload_interval: float = 5.0
    events_topic: str = "openspc/events/violations"
    sparkplug_events_topic: str = "openspc/events/sparkplug"
    keepalive: int = 30


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


@dataclass
class BatchOutcome:
    """What one committed batch did (for tests, benchmarks and logs)."""

    samples: int = 0
    measurements: int = 0
    replays: int = 0
    dead_letters: int = 0
    committed_at: float = 0.0
    received: list[float] = field(default_factory=list)


class IngestWorker:
    """Subscribe, turn messages into subgroups, commit, then acknowledge."""

    def __init__(
        self,
        options: WorkerOptions,
        on_batch: Callable[[BatchOutcome], None] | None = None,
    ) -> None:
        self.options = options
        self.on_batch = on_batch
        self.queue: queue.Queue[Incoming] = queue.Queue(maxsize=options.queue_size)
        self.stop_event = threading.Event()
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.unsubscribed = threading.Event()
        self.generation = 0
        self.builder = SubgroupBuilder()
        self.host = SparkplugHost(options.host_id)
        self.mapping = Mapping()
        self.limiter: TopicRateLimiter[Incoming] = TopicRateLimiter()
        self._subscribed: set[str] = set()
        self._last_reload = 0.0
        self._outbound: list[tuple[str, bytes]] = []
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
        item = Incoming(
            message.topic, bytes(message.payload), message.mid, message.qos, self.generation
        )
        while not self.stop_event.is_set():
            try:
                self.queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

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
                    BufferedReading(row.value, row.key, row.timestamp, row.pk, row.sample_size),
                    now,
                )
            )
        if closed:
            self._commit_closed(closed)
        PendingReading.objects.filter(
            sample_id__isnull=False, received_at__lt=timezone.now() - PENDING_RETENTION
        ).delete()

    def _commit_closed(self, closed: list[ClosedSubgroup]) -> None:
        outcome = BatchOutcome()
        self._outbound = []
        with transaction.atomic():
            inputs: list[_Input] = []
            marks: dict[int, int] = {}
            for subgroup in closed:
                self._close(subgroup, inputs, marks, outcome)
            self._run(inputs, marks, outcome)
            _mark_consumed(marks)
        for topic, payload in self._outbound:
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
        batch = self._take_limited(timeout)
        INGEST_WAITING.set(self.queue.qsize() + self.limiter.held())
        outcome = None
        if batch:
            outcome = self._process_with_retry(batch)
        due = self.builder.flush_due(time.monotonic())
        if due:
            self._commit_closed(due)
        self.reload_mapping()
        return outcome

    def _take_limited(self, timeout: float) -> list[Incoming]:
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
        batch = self._take(wait)
        if not self.mapping.limited:
            return released + batch
        now = time.monotonic()
        for item in batch:
            offered = self.limiter.offer(item.topic, item, self._limit_of(item.topic), now)
            released.extend(offered.passed)
            for dropped in offered.dropped:
                dropped.dropped = True
                released.append(dropped)
        return released

    def _limit_of(self, topic: str) -> TopicLimit | None:
        if topic.startswith(f"{SPARKPLUG_NAMESPACE}/"):
            return None
        char_id = self.mapping.router.resolve(topic)
        target = self.mapping.targets.get(char_id) if char_id is not None else None
        return target.limit if target is not None else None

    def _take(self, timeout: float) -> list[Incoming]:
        try:
            first = self.queue.get(timeout=timeout) if timeout > 0 else self.queue.get_nowait()
        except queue.Empty:
            return []
        batch = [first]
        # Linger briefly for more (not when draining at shutdown): a batch costs about ten
        # round trips however small, so at a steady trickle a few milliseconds of waiting
        # halves the worker's work per message.
        deadline = time.monotonic() + (self.options.linger if timeout > 0 else 0.0)
        while len(batch) < self.options.batch_size:
            try:
                batch.append(self.queue.get_nowait())
            except queue.Empty:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    batch.append(self.queue.get(timeout=remaining))
                except queue.Empty:
                    break
        return batch

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
        outcome = BatchOutcome()
        self._outbound = []
        with transaction.atomic():
            ops = _Ops()
            for item in batch:
                self._handle(item, ops, outcome)
            self._apply(ops, outcome)
            # The counters /metrics exports (names shared with openspc.metrics).
            counts = {"messages": len(batch)}
            if outcome.measurements:
                counts["measurements"] = outcome.measurements
            if outcome.replays:
                counts["redelivered"] = outcome.replays
            IngestCounter.add(counts)
        outcome.committed_at = time.time()
        outcome.received = [item.received for item in batch]
        for item in batch:
            if item.qos > 0 and item.generation == self.generation:
                self.client.ack(item.mid, item.qos)
        for topic, payload in self._outbound:
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

    # -- one message ----------------------------------------------------------------------

    def _handle(self, item: Incoming, ops: _Ops, outcome: BatchOutcome) -> None:
        """Parse one message into operations (subgroups, readings, triggers) for the batch."""
        if item.dropped:
            error = PayloadError("rate_limited", "dropped (oldest held) by the topic's rate limit")
            self._dead_letter(item, error, outcome)
            return
        if parse_state_topic(item.topic) is not None:
            return
        sparkplug_topic = parse_sparkplug_topic(item.topic)
        if sparkplug_topic is not None:
            result = self.host.handle(sparkplug_topic, item.payload, time.monotonic())
            for error in result.errors:
                self._dead_letter(item, error, outcome)
            self._outbound.extend(result.commands)
            if result.commands:
                dead_letters.count("sparkplug.rebirth_requests", len(result.commands))
            for reading in result.readings:
                self._sparkplug_reading(item, reading, ops, outcome)
            return
        if item.topic.startswith(f"{SPARKPLUG_NAMESPACE}/"):
            return
        trigger_char = self.mapping.triggers.resolve(item.topic)
        if trigger_char is not None and self.mapping.router.resolve(item.topic) is None:
            if _truthy(item.payload):
                ops.append(_Trigger(trigger_char, None))
            return
        char_id = self.mapping.router.resolve(item.topic)
        if char_id is None:
            self._dead_letter(item, PayloadError("unknown_topic", "no characteristic"), outcome)
            return
        try:
            plain = parse_plain(item.payload)
        except PayloadError as exc:
            self._dead_letter(item, exc, outcome)
            return
        key = idempotency_key(
            item.topic,
            item.payload,
            message_id=plain.message_id,
            source_time=plain.timestamp.isoformat() if plain.timestamp else None,
        )
        self._reading(item, self.mapping.targets[char_id], plain, key, ops, outcome)

    def _sparkplug_reading(
        self, item: Incoming, reading: MetricReading, ops: _Ops, outcome: BatchOutcome
    ) -> None:
        key = (reading.group, reading.edge_node, reading.device, reading.name)
        trigger_char = self.mapping.sparkplug_triggers.get(key)
        if trigger_char is not None:
            if reading.metric.value:
                ops.append(_Trigger(trigger_char, reading.timestamp))
            return
        char_id = self.mapping.sparkplug.get(key)
        if char_id is None:
            return  # a metric the plant does not chart (bdSeq, states, other tags)
        try:
            value = numeric_value(reading.metric)
        except PayloadError as exc:
            self._dead_letter(item, exc, outcome)
            return
        plain = Reading(values=(value,), timestamp=reading.timestamp)
        self._reading(item, self.mapping.targets[char_id], plain, reading.key, ops, outcome)

    def _reading(
        self,
        item: Incoming,
        target: Target,
        reading: Reading,
        key: str | None,
        ops: _Ops,
        outcome: BatchOutcome,
    ) -> None:
        char_id = target.characteristic_id
        if target.direct or len(reading.values) > 1:
            if target.attribute:
                if len(reading.values) != 1:
                    self._dead_letter(
                        item, PayloadError("too_many_values", "one count per message"), outcome
                    )
                    return
                data = SubgroupInput(
                    characteristic_id=char_id,
                    count=reading.values[0],
                    sample_size=reading.sample_size or target.default_sample_size,
                    timestamp=reading.timestamp,
                    idempotency_key=key,
                    source="MQTT",
                )
            else:
                data = SubgroupInput(
                    characteristic_id=char_id,
                    measurements=reading.values,
                    timestamp=reading.timestamp,
                    idempotency_key=key,
                    source="MQTT",
                )
            ops.append(_Input(data, item.topic, item.payload))
            return
        ops.append(
            PendingReading(
                characteristic_id=char_id,
                value=reading.values[0],
                key=key,
                timestamp=reading.timestamp,
                sample_size=reading.sample_size,
                received_at=ops.now,
            )
        )

    def _apply(self, ops: _Ops, outcome: BatchOutcome) -> None:
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
                    outcome.replays += 1
                    continue
                seen.add(ident)
            fresh.append(row)
        insert_objects(fresh)
        inputs: list[_Input] = []
        marks: dict[int, int] = {}
        now = time.monotonic()
        for op in ops:
            if isinstance(op, _Input):
                inputs.append(op)
            elif isinstance(op, _Trigger):
                if op.characteristic_id in self.mapping.targets:
                    for closed in self.builder.trigger(
                        op.characteristic_id, now, timestamp=op.timestamp
                    ):
                        self._close(closed, inputs, marks, outcome)
            elif op.pk is not None:
                buffered = BufferedReading(op.value, op.key, op.timestamp, op.pk, op.sample_size)
                for closed in self.builder.add(op.characteristic_id, buffered, now):
                    self._close(closed, inputs, marks, outcome)
        self._run(inputs, marks, outcome)
        _mark_consumed(marks)

    def _close(
        self,
        closed: ClosedSubgroup,
        inputs: list[_Input],
        marks: dict[int, int],
        outcome: BatchOutcome,
    ) -> None:
        """Queue a closed subgroup for the pipeline, or dead-letter a discarded one."""
        if closed.outcome in (DISCARDED, OVERFLOW):
            overflow = closed.outcome == OVERFLOW
            dead_letters.record(
                f"characteristic/{closed.characteristic_id}",
                json.dumps(list(closed.values)).encode(),
                "trigger_overflow" if overflow else "partial_discarded",
                "more than n readings before the trigger; the oldest was dropped"
                if overflow
                else f"{len(closed.values)} readings below min_measurements at the timeout",
            )
            outcome.dead_letters += 1
            marks.update((int(h), 0) for h in closed.handles)
            return
        if not closed.should_process:
            return
        data = SubgroupInput(
            characteristic_id=closed.characteristic_id,
            measurements=closed.values,
            timestamp=closed.timestamp,
            idempotency_key=closed.idempotency_key,
            source="MQTT",
        )
        inputs.append(_Input(data, handles=tuple(int(h) for h in closed.handles)))

    def _run(self, inputs: list[_Input], marks: dict[int, int], outcome: BatchOutcome) -> None:
        """The batch's subgroups through the pipeline; refusals become dead letters."""
        if not inputs:
            return
        # This batch's transaction has only added readings: no characteristic row changed.
        results = process_many([op.data for op in inputs], rows_unchanged=True)
        for op, result in zip(inputs, results, strict=True):
            data = op.data
            if isinstance(result, InputError):
                topic = op.topic or f"characteristic/{data.characteristic_id}"
                payload = op.payload or json.dumps(list(data.measurements)).encode()
                unknown = isinstance(result, UnknownCharacteristic)
                reason = "unknown_topic" if unknown else "input_error"
                dead_letters.record(topic, payload, reason, str(result))
                outcome.dead_letters += 1
                marks.update((h, 0) for h in op.handles)
                continue
            marks.update((h, result.sample.pk) for h in op.handles)
            if result.created:
                outcome.samples += 1
                outcome.measurements += len(data.measurements) or 1
                if result.violations:
                    self._outbound += violation_events(
                        result,
                        self.mapping.targets[data.characteristic_id].sparkplug,
                        self.options.events_topic,
                        self.options.sparkplug_events_topic,
                    )
            else:
                outcome.replays += 1

    def _dead_letter(self, item: Incoming, error: PayloadError, outcome: BatchOutcome) -> None:
        dead_letters.record(item.topic, item.payload, error.reason, error.detail)
        outcome.dead_letters += 1


@dataclass(frozen=True)
class _Input:
    """A subgroup for the pipeline, with its message (for a dead letter) or its readings."""

    data: SubgroupInput
    topic: str = ""
    payload: bytes = b""
    handles: tuple[int, ...] = ()


@dataclass(frozen=True)
class _Trigger:
    """A trigger tag fired for a characteristic."""

    characteristic_id: int
    timestamp: datetime | None


class _Ops(list[_Input | _Trigger | PendingReading]):
    """A batch's operations in message order (readings as unsaved ``PendingReading``)."""

    def __init__(self) -> None:
        super().__init__()
        self.now = timezone.now()


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


def _truthy(payload: bytes) -> bool:
    try:
        value = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    if isinstance(value, dict):
        value = value.get("value")
    return bool(value)
