"""``IngestClient``'s buffered reads: packets fed through a socket pair in awkward chunks,
errors and the end of the stream, the per-read limit."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from ingest.mqtt_client import PACKETS_PER_READ, IngestClient
from ingest.tests.broker import wait_for
from ingest.tests.mqtt_packets import Received, client_of, publish_packet


@pytest.fixture
def socket_client() -> Iterator[tuple[IngestClient, list[Received], socket.socket]]:
    """An IngestClient reading from one end of a socket pair; the test writes the other."""
    ours, theirs = socket.socketpair()
    ours.setblocking(False)
    client, received = client_of(IngestClient)
    client._sock = ours
    yield client, received, theirs
    ours.close()
    theirs.close()


def test_packets_sent_together_are_all_handled_in_one_read(
    socket_client: tuple[IngestClient, list[Received], socket.socket],
) -> None:
    client, received, peer = socket_client
    packets = [publish_packet(f"t/{i}", str(i).encode(), mid=i + 1) for i in range(50)]
    peer.sendall(b"".join(packets))
    client.loop_read()  # select() would not wake again for bytes already read
    assert [topic for topic, *_ in received] == [f"t/{i}" for i in range(50)]
    assert client.buffered() == 0


def test_runs_read_together_reach_on_message_batch_in_order_around_other_packets(
    socket_client: tuple[IngestClient, list[Received], socket.socket],
) -> None:
    client, _, peer = socket_client
    runs: list[list[str]] = []
    client.on_message_batch = lambda c, u, messages: runs.append([m.topic for m in messages])
    client.on_message = lambda c, u, m: runs.append([f"single:{m.topic}"])
    properties = Properties(PacketTypes.PUBLISH)
    properties.ContentType = "text/plain"
    stream = (
        b"".join(publish_packet(f"a/{i}", b"1", mid=i + 1) for i in range(3))
        + publish_packet("props", b"2", mid=9, properties=properties.pack())
        + b"".join(publish_packet(f"b/{i}", b"3", mid=i + 10) for i in range(2))
    )
    peer.sendall(stream)
    wait_for(lambda: client.loop_read() == 0 and sum(map(len, runs)) == 6, timeout=2)
    # The plain packets in runs, the first one of the read included; the one with
    # properties through paho's reader between them.
    assert runs == [["a/0", "a/1", "a/2"], ["single:props"], ["b/0", "b/1"]]
    assert client.buffered() == 0


def test_with_automatic_acknowledgement_each_run_is_acknowledged_after_delivery(
    socket_client: tuple[IngestClient, list[Received], socket.socket],
) -> None:
    client, _, peer = socket_client
    client._manual_ack = False
    events: list[str] = []
    client.on_message_batch = lambda c, u, ms: events.extend(f"got {m.mid}" for m in ms)

    def record(command: int, packet: bytes, mid: int, qos: int, info: object = None) -> Any:
        events.append(f"ack {mid}")
        return mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS

    client._packet_queue = record
    peer.sendall(b"".join(publish_packet("t", b"1", mid=m) for m in (4, 5, 6)))
    wait_for(lambda: client.loop_read() == 0 and len(events) == 6, timeout=2)
    # The three arrived as one run, acknowledged once delivered, as paho does.
    assert events == ["got 4", "got 5", "got 6", "ack 4", "ack 5", "ack 6"]


def test_a_closed_or_failed_socket_reaches_paho_as_a_lost_connection(
    socket_client: tuple[IngestClient, list[Received], socket.socket],
) -> None:
    client, received, peer = socket_client
    assert client.loop_read() == mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS  # nothing there yet
    peer.sendall(publish_packet("a", b"1"))
    peer.close()  # the bytes, then the end of the stream
    wait_for(lambda: client.loop_read() == 0 and received, timeout=2)
    assert client.loop_read() == mqtt.MQTTErrorCode.MQTT_ERR_CONN_LOST
    assert received[0][:2] == ("a", b"1")

    failing, _ = client_of(IngestClient)
    failing._sock = BrokenSocket()
    assert failing.loop_read() == mqtt.MQTTErrorCode.MQTT_ERR_CONN_LOST


class BrokenSocket:
    """A socket whose every read fails as a reset connection does."""

    def recv(self, size: int) -> bytes:
        raise ConnectionResetError(104, "Connection reset by peer")

    def close(self) -> None:
        pass


def test_a_packet_split_across_reads_is_put_back_together(
    socket_client: tuple[IngestClient, list[Received], socket.socket],
) -> None:
    client, received, peer = socket_client
    stream = publish_packet("a", b"1" * 300, mid=1) + publish_packet("b", b"2", mid=2)
    for cut in (1, 2, 150, len(stream) - 1):  # inside the header, length, body, last byte
        peer.sendall(stream[:cut])
        client.loop_read()
        peer.sendall(stream[cut:])
        wait_for(lambda: client.loop_read() == 0 and len(received) == 2, timeout=2)
        assert [(topic, payload) for topic, payload, *_ in received] == [
            ("a", b"1" * 300),
            ("b", b"2"),
        ]
        received.clear()


def test_a_new_connection_does_not_read_the_old_ones_bytes(
    socket_client: tuple[IngestClient, list[Received], socket.socket],
) -> None:
    client, received, peer = socket_client
    peer.sendall(publish_packet("old", b"1") + publish_packet("old", b"2")[:3])
    client._sock_recv(1)  # the first byte: the rest now waits in the buffer
    assert client.buffered() > 0
    fresh, fresh_peer = socket.socketpair()
    fresh.setblocking(False)
    try:
        client._sock = fresh
        client._in_packet["command"] = 0
        fresh_peer.sendall(publish_packet("new", b"3"))
        client.loop_read()
        assert [(topic, payload) for topic, payload, *_ in received] == [("new", b"3")]
    finally:
        fresh.close()
        fresh_peer.close()


def test_packets_left_in_the_buffer_by_the_per_read_limit_do_not_wait_for_more_bytes(
    socket_client: tuple[IngestClient, list[Received], socket.socket],
) -> None:
    client, received, peer = socket_client
    count = PACKETS_PER_READ + 500  # more than one read handles, all in the buffer at once
    peer.sendall(b"".join(publish_packet("t", b"1", mid=i % 60000 + 1) for i in range(count)))
    arrived: list[float] = []
    record = client.on_message

    def timed(c: mqtt.Client, u: object, m: mqtt.MQTTMessage) -> None:
        record(c, u, m)
        arrived.append(time.monotonic())

    client.on_message = timed
    started = time.monotonic()
    while len(received) < count and time.monotonic() - started < 20:
        client._loop(timeout=3.0)  # nothing more arrives: select would wait the full 3 s
    assert len(received) == count
    assert arrived[-1] - started < 1.5
