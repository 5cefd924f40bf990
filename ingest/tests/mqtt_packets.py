"""MQTT packets and clients for the ``IngestClient`` tests: a PUBLISH as the broker sends
it, and an unconnected client that records what it delivers."""

from __future__ import annotations

import struct

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from ingest.mqtt_wire import mqtt_string, remaining_length

Received = tuple[str, bytes, int, int, bool, bool]
"""(topic, payload, mid, qos, retain, dup) of a delivered message."""


def publish_packet(
    topic: str,
    payload: bytes,
    *,
    qos: int = 1,
    mid: int = 7,
    retain: bool = False,
    dup: bool = False,
    properties: bytes = b"\x00",
) -> bytes:
    """An MQTT 5 PUBLISH packet, fixed header included."""
    body = mqtt_string(topic) + (struct.pack("!H", mid) if qos else b"") + properties + payload
    command = 0x30 | (qos << 1) | (0x08 if dup else 0) | (0x01 if retain else 0)
    return bytes([command]) + remaining_length(len(body)) + body


def client_of(
    kind: type[mqtt.Client], protocol: int = mqtt.MQTTv5
) -> tuple[mqtt.Client, list[Received]]:
    """An unconnected client of ``kind`` that records what it delivers."""
    client = kind(CallbackAPIVersion.VERSION2, protocol=protocol, manual_ack=True)
    received: list[Received] = []
    client.on_message = lambda c, u, m: received.append(
        (m.topic, bytes(m.payload), m.mid, m.qos, bool(m.retain), bool(m.dup))
    )
    return client, received
