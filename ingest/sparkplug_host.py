"""Sparkplug B 3.0 host application state (no MQTT, no Django).

Tracks each edge node's bdSeq and message sequence, the alias tables of its NBIRTH and of
its devices' DBIRTHs, and marks nodes and devices stale on NDEATH/DDEATH. A sequence gap,
data before a birth, or an unknown alias asks the edge node for a rebirth with an NCMD
``Node Control/Rebirth`` (at most one per node per ``rebirth_interval`` seconds).
Birth certificates describe metrics; their values are not taken as measurements, so a
rebirth never stores a reading twice.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ingest.errors import PayloadError
from ingest.sparkplug import BOOLEAN, UNKNOWN, Metric, Payload, decode_payload, encode_payload
from ingest.topics import SparkplugTopic, state_topic

REBIRTH_METRIC = "Node Control/Rebirth"
BDSEQ_METRIC = "bdSeq"


@dataclass
class DeviceState:
    """Alias table of one device (or of the node itself, device ``""``)."""

    aliases: dict[int, tuple[str, int]] = field(default_factory=dict)
    datatypes: dict[str, int] = field(default_factory=dict)
    online: bool = True


@dataclass
class NodeState:
    """What the host knows about one edge node."""

    bd_seq: int | None = None
    seq: int | None = None
    online: bool = False
    born: bool = False
    devices: dict[str, DeviceState] = field(default_factory=dict)
    last_rebirth: float = float("-inf")


@dataclass(frozen=True)
class MetricReading:
    """A data metric resolved to its name, with a key that identifies it across replays."""

    group: str
    edge_node: str
    device: str
    name: str
    metric: Metric
    timestamp: datetime | None
    key: str


@dataclass
class HostResult:
    """What one Sparkplug message produced."""

    readings: list[MetricReading] = field(default_factory=list)
    errors: list[PayloadError] = field(default_factory=list)
    commands: list[tuple[str, bytes]] = field(default_factory=list)
    stale: bool = False


def rebirth_command(group: str, edge_node: str, now_ms: int) -> tuple[str, bytes]:
    """The NCMD topic and payload asking an edge node to send its births again."""
    payload = Payload(
        timestamp=now_ms,
        metrics=(Metric(name=REBIRTH_METRIC, datatype=BOOLEAN, value=True, timestamp=now_ms),),
    )
    return str(SparkplugTopic(group, "NCMD", edge_node)), encode_payload(payload)


def state_payload(online: bool, timestamp_ms: int) -> bytes:
    """The Sparkplug 3.0 STATE payload: ``{"online": bool, "timestamp": ms}``."""
    return json.dumps({"online": online, "timestamp": timestamp_ms}).encode()


class SparkplugHost:
    """Host application state machine: feed it decoded topics and payload bytes."""

    def __init__(self, host_id: str = "openspc", rebirth_interval: float = 5.0) -> None:
        self.host_id = host_id
        self.rebirth_interval = rebirth_interval
        self.nodes: dict[tuple[str, str], NodeState] = {}
        self.rebirths_requested = 0

    @property
    def state_topic(self) -> str:
        """This host's STATE topic."""
        return state_topic(self.host_id)

    def node(self, group: str, edge_node: str) -> NodeState:
        """The state of an edge node (created empty when first seen)."""
        return self.nodes.setdefault((group, edge_node), NodeState())

    def handle(self, topic: SparkplugTopic, data: bytes, now: float) -> HostResult:
        """Process one message; ``now`` is a monotonic clock for rebirth pacing."""
        result = HostResult()
        if topic.message_type in ("NCMD", "DCMD"):
            return result
        try:
            payload = decode_payload(data)
        except PayloadError as exc:
            result.errors.append(exc)
            return result
        node = self.node(topic.group, topic.edge_node)
        kind = topic.message_type
        if kind == "NDEATH":
            bd_seq = _metric_int(payload, BDSEQ_METRIC)
            if bd_seq is None or node.bd_seq is None or bd_seq == node.bd_seq:
                node.online = False
                for device in node.devices.values():
                    device.online = False
                result.stale = True
            return result
        if kind == "NBIRTH":
            node.bd_seq = _metric_int(payload, BDSEQ_METRIC)
            node.seq = payload.seq
            node.online = node.born = True
            node.devices = {"": _alias_table(payload)}
            return result
        if not self._sequence_ok(node, payload.seq):
            self._request_rebirth(topic, node, now, result)
        if kind == "DBIRTH":
            node.devices[topic.device or ""] = _alias_table(payload)
            return result
        if kind == "DDEATH":
            dead = node.devices.get(topic.device or "")
            if dead is not None:
                dead.online = False
            result.stale = True
            return result
        self._data(topic, node, payload, data, now, result)
        return result

    def _sequence_ok(self, node: NodeState, seq: int | None) -> bool:
        if not node.born or seq is None:
            return False
        expected = None if node.seq is None else (node.seq + 1) % 256
        node.seq = seq
        return expected is None or seq == expected

    def _request_rebirth(
        self, topic: SparkplugTopic, node: NodeState, now: float, result: HostResult
    ) -> None:
        if now - node.last_rebirth < self.rebirth_interval:
            return
        node.last_rebirth = now
        self.rebirths_requested += 1
        now_ms = int(datetime.now(UTC).timestamp() * 1000)
        result.commands.append(rebirth_command(topic.group, topic.edge_node, now_ms))

    def _data(
        self,
        topic: SparkplugTopic,
        node: NodeState,
        payload: Payload,
        data: bytes,
        now: float,
        result: HostResult,
    ) -> None:
        device_name = topic.device or ""
        table = node.devices.get(device_name)
        for index, metric in enumerate(payload.metrics):
            name = metric.name
            datatype = metric.datatype
            if name is None and metric.alias is not None and table is not None:
                name, birth_type = table.aliases.get(metric.alias, (None, UNKNOWN))
                datatype = datatype or birth_type
            elif name is not None and table is not None and not datatype:
                datatype = table.datatypes.get(name, UNKNOWN)
            if name is None:
                result.errors.append(
                    PayloadError("unknown_alias", f"alias {metric.alias} on {topic}")
                )
                self._request_rebirth(topic, node, now, result)
                continue
            typed = metric.typed(datatype) if datatype and datatype != metric.datatype else metric
            millis = metric.timestamp if metric.timestamp is not None else payload.timestamp
            stamp = datetime.fromtimestamp(millis / 1000, tz=UTC) if millis is not None else None
            result.readings.append(
                MetricReading(
                    group=topic.group,
                    edge_node=topic.edge_node,
                    device=device_name,
                    name=name,
                    metric=typed,
                    timestamp=stamp,
                    key=_reading_key(topic, name, millis, payload.seq, index, data),
                )
            )


def _reading_key(
    topic: SparkplugTopic, name: str, millis: int | None, seq: int | None, index: int, data: bytes
) -> str:
    digest = hashlib.sha256(f"{topic}\0{name}\0{millis}\0{seq}\0{index}".encode())
    if millis is None:
        digest.update(data)
    return "sp:" + digest.hexdigest()[:40]


def _alias_table(payload: Payload) -> DeviceState:
    state = DeviceState()
    for metric in payload.metrics:
        if metric.name is None:
            continue
        state.datatypes[metric.name] = metric.datatype
        if metric.alias is not None:
            state.aliases[metric.alias] = (metric.name, metric.datatype)
    return state


def _metric_int(payload: Payload, name: str) -> int | None:
    for metric in payload.metrics:
        if metric.name == name and isinstance(metric.value, int):
            return int(metric.value)
    return None
