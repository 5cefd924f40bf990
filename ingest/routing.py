"""From a received message to a batch's operations, by the characteristics' mapping.

A plain topic maps to a characteristic (its JSON or number payload is a reading) or to a
trigger; a Sparkplug B topic goes through the host application, whose metrics map the
same ways. A reading of a characteristic with n = 1 (or a message carrying a whole
subgroup) becomes a subgroup for the pipeline; any other is buffered until its subgroup
closes. What cannot be used becomes a dead letter.
"""

from __future__ import annotations

import json
import time

from ingest import dead_letters
from ingest.errors import PayloadError
from ingest.intake import Incoming
from ingest.mapping import Mapping, Target
from ingest.models import PendingReading
from ingest.operations import BatchWork, Operations, PipelineInput, TriggerFired
from ingest.payloads import Reading, idempotency_key, parse_plain
from ingest.sparkplug import numeric_value
from ingest.sparkplug_host import MetricReading, SparkplugHost
from ingest.topics import SPARKPLUG_NAMESPACE, parse_sparkplug_topic, parse_state_topic
from spc.pipeline.processing import SubgroupInput

_SPARKPLUG_PREFIX = f"{SPARKPLUG_NAMESPACE}/"


class MessageRouter:
    """Turns one batch's messages into its operations (``ops``), in message order."""

    def __init__(
        self, mapping: Mapping, host: SparkplugHost, ops: Operations, work: BatchWork
    ) -> None:
        self.mapping = mapping
        self.host = host
        self.ops = ops
        self.work = work

    def route(self, item: Incoming) -> None:
        """Parse one message into operations (subgroups, readings, triggers) for the batch."""
        if item.dropped:
            error = PayloadError("rate_limited", "dropped (oldest held) by the topic's rate limit")
            self._dead_letter(item, error)
            return
        if item.topic.startswith(_SPARKPLUG_PREFIX):
            self._sparkplug(item)
            return
        char_id = self.mapping.router.resolve(item.topic)
        if char_id is None:
            trigger_char = self.mapping.triggers.resolve(item.topic)
            if trigger_char is None:
                self._dead_letter(item, PayloadError("unknown_topic", "no characteristic"))
            elif _truthy(item.payload):
                self.ops.append(TriggerFired(trigger_char, None))
            return
        try:
            plain = parse_plain(item.payload)
        except PayloadError as exc:
            self._dead_letter(item, exc)
            return
        key = idempotency_key(
            item.topic,
            item.payload,
            message_id=plain.message_id,
            source_time=plain.timestamp.isoformat() if plain.timestamp else None,
        )
        self._reading(item, self.mapping.targets[char_id], plain, key)

    def _sparkplug(self, item: Incoming) -> None:
        """A message on a Sparkplug B topic: the host's STATE (ignored), a Sparkplug
        message for the host application, or another topic in its namespace (ignored)."""
        if parse_state_topic(item.topic) is not None:
            return
        sparkplug_topic = parse_sparkplug_topic(item.topic)
        if sparkplug_topic is None:
            return
        result = self.host.handle(sparkplug_topic, item.payload, time.monotonic())
        for error in result.errors:
            self._dead_letter(item, error)
        self.work.outbound.extend(result.commands)
        if result.commands:
            dead_letters.count("sparkplug.rebirth_requests", len(result.commands))
        for reading in result.readings:
            self._sparkplug_reading(item, reading)

    def _sparkplug_reading(self, item: Incoming, reading: MetricReading) -> None:
        key = (reading.group, reading.edge_node, reading.device, reading.name)
        trigger_char = self.mapping.sparkplug_triggers.get(key)
        if trigger_char is not None:
            if reading.metric.value:
                self.ops.append(TriggerFired(trigger_char, reading.timestamp))
            return
        char_id = self.mapping.sparkplug.get(key)
        if char_id is None:
            return  # a metric the plant does not chart (bdSeq, states, other tags)
        try:
            value = numeric_value(reading.metric)
        except PayloadError as exc:
            self._dead_letter(item, exc)
            return
        plain = Reading(values=(value,), timestamp=reading.timestamp)
        self._reading(item, self.mapping.targets[char_id], plain, reading.key)

    def _reading(self, item: Incoming, target: Target, reading: Reading, key: str | None) -> None:
        char_id = target.characteristic_id
        if target.direct or len(reading.values) > 1:
            if target.attribute:
                if len(reading.values) != 1:
                    self._dead_letter(
                        item, PayloadError("too_many_values", "one count per message")
                    )
                    return
                data = SubgroupInput(
                    characteristic_id=char_id,
                    count=reading.values[0],
                    sample_size=reading.sample_size or target.default_sample_size,
                    timestamp=reading.timestamp,
                    idempotency_key=key,
                    source="MQTT",
                    part_number=reading.part_number,
                )
            else:
                data = SubgroupInput(
                    characteristic_id=char_id,
                    measurements=reading.values,
                    timestamp=reading.timestamp,
                    idempotency_key=key,
                    source="MQTT",
                    part_number=reading.part_number,
                )
            self.ops.append(PipelineInput(data, item.topic, item.payload))
            return
        self.ops.append(
            PendingReading(
                characteristic_id=char_id,
                value=reading.values[0],
                key=key,
                timestamp=reading.timestamp,
                sample_size=reading.sample_size,
                received_at=self.ops.now,
                part_number=reading.part_number,
            )
        )

    def _dead_letter(self, item: Incoming, error: PayloadError) -> None:
        self.work.dead_letter(item.topic, item.payload, error.reason, error.detail)


def _truthy(payload: bytes) -> bool:
    """Whether a trigger message fires: a true JSON value, or an object whose ``value`` is."""
    try:
        value = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    if isinstance(value, dict):
        value = value.get("value")
    return bool(value)
