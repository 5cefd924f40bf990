"""``IngestClient``: paho's client with buffered reads and a lean PUBLISH decoder.

The decoder is compared with paho's own on the same packets; a real broker delivers both
kinds of PUBLISH. The buffered reads are in ``test_mqtt_client_reads.py``.
"""

from __future__ import annotations

import ssl
import threading
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from ingest.mqtt_client import (
    PAHO_VERSION,
    IngestClient,
    ReceivedMessage,
    configure_for_url,
    paho_version,
)
from ingest.tests.broker import Broker, wait_for
from ingest.tests.mqtt_packets import Received, client_of, publish_packet


def deliver(kind: type[mqtt.Client], packet: bytes, protocol: int = mqtt.MQTTv5) -> list[Received]:
    """What a client of ``kind`` hands ``on_message`` for one whole PUBLISH packet."""
    client, received = client_of(kind, protocol)
    client._in_packet["command"] = packet[0]
    length_bytes = 1
    while packet[length_bytes] & 0x80:
        length_bytes += 1
    client._in_packet["packet"] = bytearray(packet[1 + length_bytes :])
    client._handle_publish()
    return received


def test_the_installed_paho_is_the_release_whose_internals_are_overridden() -> None:
    assert paho_version() == PAHO_VERSION


@pytest.mark.parametrize(
    "packet",
    [
        publish_packet("plant/line1/bore", b"12.5"),
        publish_packet("plant/line1/bore", b'{"value": 1.5, "id": "a"}', mid=65535),
        publish_packet("t", b"", qos=0, mid=0),
        publish_packet("t/\u00e9", b"\x00\xff" * 200, retain=True, dup=True),
        publish_packet("big", b"9" * 20000),
    ],
    ids=["number", "json", "qos0-empty", "flags-binary", "long"],
)
def test_a_plain_publish_is_decoded_as_paho_decodes_it(packet: bytes) -> None:
    ours = deliver(IngestClient, packet)
    assert ours == deliver(mqtt.Client, packet)
    assert len(ours) == 1


@pytest.mark.parametrize(
    "packet",
    [
        publish_packet("plant/line1/bore", b"12.5", properties=b""),
        publish_packet("t", b"", qos=0, mid=0, properties=b""),
        publish_packet("t/\u00e9", b"\x00\xff" * 200, retain=True, dup=True, properties=b""),
    ],
    ids=["number", "qos0-empty", "flags-binary"],
)
def test_an_mqtt_311_publish_is_decoded_as_paho_decodes_it(packet: bytes) -> None:
    ours = deliver(IngestClient, packet, mqtt.MQTTv311)
    assert ours == deliver(mqtt.Client, packet, mqtt.MQTTv311)
    assert len(ours) == 1


def test_a_received_message_makes_its_publish_handle_only_when_asked() -> None:
    message = ReceivedMessage(9, b"a/b", 1, b"1.5", False, True)
    assert isinstance(message, mqtt.MQTTMessage)
    assert (message.topic, message.payload, message.mid, message.qos) == ("a/b", b"1.5", 9, 1)
    assert (message.retain, message.dup, message.properties) == (False, True, None)
    handle = message.info
    assert isinstance(handle, mqtt.MQTTMessageInfo)
    assert handle.mid == 9
    assert message.info is handle


def test_a_publish_with_properties_goes_through_paho_and_keeps_them() -> None:
    properties = Properties(PacketTypes.PUBLISH)
    properties.ContentType = "application/json"
    packet = publish_packet("t", b"1", properties=properties.pack())
    client, _ = client_of(IngestClient)
    received: list[str] = []
    seen: list[Properties | None] = []

    def on_message(c: mqtt.Client, userdata: object, m: mqtt.MQTTMessage) -> None:
        received.append(m.topic)
        seen.append(m.properties)

    client.on_message = on_message
    client._in_packet["command"] = packet[0]
    client._in_packet["packet"] = bytearray(packet[2:])
    client._handle_publish()
    assert received == ["t"]
    assert seen[0] is not None
    assert seen[0].ContentType == "application/json"


def test_through_a_real_broker_both_kinds_of_publish_arrive(
    broker: Broker,
) -> None:
    client, received = client_of(IngestClient)

    def on_message(c: mqtt.Client, userdata: object, m: mqtt.MQTTMessage) -> None:
        received.append((m.topic, bytes(m.payload), m.mid, m.qos, False, False))
        c.ack(m.mid, m.qos)

    client.on_message = on_message
    subscribed = threading.Event()
    client.on_subscribe = lambda *args: subscribed.set()
    client.on_connect = lambda c, *args: c.subscribe("ic/#", qos=1)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    sender = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    sender.connect("127.0.0.1", broker.port)
    sender.loop_start()
    try:
        assert subscribed.wait(5)
        properties = Properties(PacketTypes.PUBLISH)
        properties.UserProperty = ("line", "1")
        infos = [sender.publish(f"ic/{i}", str(i), qos=1) for i in range(500)]
        infos.append(sender.publish("ic/props", "p", qos=1, properties=properties))
        for info in infos:
            info.wait_for_publish(5)
        wait_for(lambda: len(received) == 501, timeout=10)
        assert sorted(payload for _, payload, *_ in received) == sorted(
            [str(i).encode() for i in range(500)] + [b"p"]
        )
        assert {qos for *_, qos, _, _ in received} == {1}
    finally:
        sender.loop_stop()
        sender.disconnect()
        client.loop_stop()
        client.disconnect()


def test_broker_url_sets_credentials_tls_and_endpoint() -> None:
    plain = mqtt.Client(CallbackAPIVersion.VERSION2)
    assert configure_for_url(plain, "mqtt://broker.local") == ("broker.local", 1883)
    assert plain._username is None
    assert plain._ssl_context is None

    secure = mqtt.Client(CallbackAPIVersion.VERSION2)
    url = "mqtts://line%40plant:p%3Ass@10.0.0.5:9883"
    assert configure_for_url(secure, url) == ("10.0.0.5", 9883)
    assert (secure._username, secure._password) == (b"line@plant", b"p:ss")
    assert secure._ssl_context is not None
    assert secure._ssl_context.verify_mode == ssl.CERT_REQUIRED

    forced = mqtt.Client(CallbackAPIVersion.VERSION2)
    assert configure_for_url(forced, "mqtt://", tls=True) == ("127.0.0.1", 8883)
    assert forced._ssl_context is not None


def test_ack_many_queues_the_bytes_of_pahos_own_acknowledgements() -> None:
    mids = [1, 300, 65535]
    stock, _ = client_of(mqtt.Client)
    queued: list[bytes] = []

    def record(command: int, packet: bytes, mid: int, qos: int, info: object = None) -> Any:
        queued.append(bytes(packet))
        return mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS

    stock._packet_queue = record
    for mid in mids:
        stock.ack(mid, 1)
    ours, _ = client_of(IngestClient)
    batched: list[tuple[int, bytes]] = []

    def keep(command: int, packet: bytes, mid: int, qos: int, info: object = None) -> Any:
        batched.append((command, bytes(packet)))
        return mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS

    ours._packet_queue = keep
    ours.ack_many(mids)
    assert batched == [(mqtt.PUBACK, b"".join(queued))]


def test_messages_acknowledged_together_are_not_delivered_again(broker: Broker) -> None:
    received: list[tuple[str, int]] = []

    def session() -> tuple[IngestClient, threading.Event]:
        client = IngestClient(
            CallbackAPIVersion.VERSION2,
            client_id="ack-many",
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        subscribed = threading.Event()
        client.on_message = lambda c, u, m: received.append((m.topic, m.mid))
        client.on_subscribe = lambda *args: subscribed.set()
        client.on_connect = lambda c, *args: c.subscribe("am/#", qos=1)
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = 300
        client.connect("127.0.0.1", broker.port, clean_start=False, properties=properties)
        client.loop_start()
        return client, subscribed

    sender = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    sender.connect("127.0.0.1", broker.port)
    sender.loop_start()
    client, subscribed = session()
    try:
        assert subscribed.wait(5)
        for info in [sender.publish(f"am/{i}", str(i), qos=1) for i in range(50)]:
            info.wait_for_publish(5)
        wait_for(lambda: len(received) == 50, timeout=10)
        client.ack_many([mid for _, mid in received])
        # The broker handles one connection's packets in order: once it answers a SUBSCRIBE
        # sent after the acknowledgements, it has processed them all. Without this, the
        # second session's CONNECT (same client id) can take the session over while the
        # broker is still reading the first connection's acknowledgements, which it then
        # drops (seen under load).
        subscribed.clear()
        client.subscribe("sync/ack-many", qos=0)
        assert subscribed.wait(10)
        gone = threading.Event()
        client.on_disconnect = lambda *args: gone.set()
        client.disconnect()  # queued after the acknowledgements, so sent after them
        # Stopping the network loop before it has written the queue would drop acknowledgements
        # still in it (seen on a loaded machine): wait until the DISCONNECT itself went out.
        assert gone.wait(10)
        client.loop_stop()
        received.clear()
        client, subscribed = session()
        assert subscribed.wait(5)
        sender.publish("am/marker", "m", qos=1).wait_for_publish(5)
        wait_for(lambda: any(topic == "am/marker" for topic, _ in received), timeout=10)
        assert [topic for topic, _ in received] == ["am/marker"]  # nothing redelivered
    finally:
        sender.loop_stop()
        sender.disconnect()
        client.loop_stop()
        client.disconnect()


def test_dispatch_without_per_topic_callbacks_reaches_on_message_as_paho_does() -> None:
    client = IngestClient(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    got: list[str] = []
    client.on_message = lambda c, u, m: got.append(f"all:{m.topic}")
    message = mqtt.MQTTMessage(mid=1, topic=b"plant/a/b")
    client._handle_on_message(message)
    assert got == ["all:plant/a/b"]
    client.message_callback_add("plant/#", lambda c, u, m: got.append(f"filtered:{m.topic}"))
    client._handle_on_message(message)  # paho's rule: a matching filter replaces on_message
    assert got == ["all:plant/a/b", "filtered:plant/a/b"]


def test_an_error_in_on_message_is_raised_unless_suppressed() -> None:
    client = IngestClient(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)

    def broken(c: object, u: object, m: object) -> None:
        raise RuntimeError("broken callback")

    client.on_message = broken
    message = mqtt.MQTTMessage(mid=1, topic=b"t")
    with pytest.raises(RuntimeError, match="broken callback"):
        client._handle_on_message(message)
    client.suppress_exceptions = True
    client._handle_on_message(message)  # logged, not raised


def test_with_a_per_topic_callback_runs_are_dispatched_message_by_message() -> None:
    client = IngestClient(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    got: list[str] = []
    client.on_message_batch = lambda c, u, ms: got.append("run")
    client.message_callback_add("plant/#", lambda c, u, m: got.append(f"filtered:{m.topic}"))
    client.on_message = lambda c, u, m: got.append(f"all:{m.topic}")
    client._deliver(
        [
            ReceivedMessage(1, b"plant/a", 1, b"1", False, False),
            ReceivedMessage(2, b"x", 1, b"2", False, False),
        ]
    )
    assert got == ["filtered:plant/a", "all:x"]
