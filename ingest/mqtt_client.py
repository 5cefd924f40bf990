"""paho-mqtt's client with a leaner receive path for the ingest worker's message rates.

paho 2.2 handles one packet per ``select`` call, reads each packet with three ``recv``
calls (command byte, length byte, rest), and builds an MQTT 5 ``Properties`` object for
every PUBLISH even when it carries none. Each of those system calls also hands the
interpreter lock to the worker's main thread and waits to get it back. At thousands of
messages per second that was about a third of a worker's CPU.

:class:`IngestClient` changes only how bytes reach paho's packet parser and how a plain
PUBLISH is decoded; connecting, sessions, acknowledgements, keep-alive and reconnection
stay paho's own. It overrides four methods that paho does not document
(``_sock_recv``, ``loop_read``'s packet count, ``_handle_publish``, and
``_handle_on_message``, whose topic-filter lookup cost 1.8 us a message with no per-topic
callback registered), which is why
``requirements.txt`` pins paho-mqtt and ``ingest/tests/test_mqtt_client.py`` checks the
version and compares the decoding with paho's own.

Whether that still pays is measured by ``bench/ingest.py --workers 2`` with and without
``--paho-client`` (the bench swaps the class; the product has no switch). On paho 2.2.0,
PostgreSQL, 60,000 messages, four runs each way alternating on a busy 2-core machine:
146-161 us of worker CPU per measurement with this client, 200-254 with paho's own, and
1,900-3,400 against 1,340-2,470 measurements/s, each pair in this client's favour.
Measure again before upgrading paho, and drop the overrides if they stop winning.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote, urlparse

import paho.mqtt
import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode, MQTTProtocolVersion

PAHO_VERSION = "2.2.0"
"""The paho-mqtt release whose private methods this module overrides."""

TLS_SCHEMES = ("mqtts", "ssl")
_PUBACK_HEAD = bytes((mqtt.PUBACK, 2))
"""A PUBACK's fixed header: the command byte and a remaining length of 2 (the id)."""


def configure_for_url(
    client: mqtt.Client, url: str, *, tls: bool = False, ca_file: str | None = None
) -> tuple[str, int]:
    """Set ``client``'s user name, password and TLS from a broker URL
    (``mqtt[s]://user:password@host:port``) and return the (host, port) to connect to.
    TLS, with the server's certificate checked against ``ca_file`` (default: the system's
    authorities), when ``tls`` is set or the scheme is ``mqtts``/``ssl``."""
    parsed = urlparse(url)
    if parsed.username:
        client.username_pw_set(unquote(parsed.username), unquote(parsed.password or ""))
    secure = tls or parsed.scheme in TLS_SCHEMES
    if secure:
        client.tls_set(ca_certs=ca_file, cert_reqs=ssl.CERT_REQUIRED)
    return parsed.hostname or "127.0.0.1", parsed.port or (8883 if secure else 1883)


READ_SIZE = 65536
"""Bytes asked of the socket at a time; paho then parses packets from the buffer."""

PACKETS_PER_READ = 1000
"""At most this many packets per ``loop_read`` call, so that acknowledgements waiting to
be written and the keep-alive check still get their turn under a continuous stream."""


class IngestClient(mqtt.Client):
    """A paho ``Client`` that buffers socket reads and decodes plain PUBLISH packets itself.

    A PUBLISH at QoS 0 or 1 without MQTT 5 properties (what machines send) becomes an
    ``MQTTMessage`` whose ``properties`` is ``None``; anything else (QoS 2, properties, a
    topic alias, a malformed packet) goes through paho's own decoding.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_buffer = b""
        self._read_pos = 0
        self._read_sock: Any = None

    def _sock_recv(self, bufsize: int) -> bytes:
        """Serve ``bufsize`` bytes at most from the buffer, refilling it when empty."""
        if self._sock is not self._read_sock:  # a new connection: nothing carries over
            self._read_sock = self._sock
            self._read_buffer = b""
            self._read_pos = 0
        if self._read_pos >= len(self._read_buffer):
            data = super()._sock_recv(READ_SIZE)  # BlockingIOError when there is none
            if len(data) <= bufsize:
                self._read_buffer, self._read_pos = b"", 0
                return data
            self._read_buffer, self._read_pos = data, 0
        start = self._read_pos
        chunk = self._read_buffer[start : start + bufsize]
        self._read_pos = start + len(chunk)
        return chunk

    def buffered(self) -> int:
        """Bytes read from the socket that paho has not parsed yet."""
        if self._sock is not self._read_sock:
            return 0
        return len(self._read_buffer) - self._read_pos

    def loop_read(self, max_packets: int = 1) -> MQTTErrorCode:
        """paho's ``loop_read``, repeated while whole packets wait in the buffer.

        ``select`` cannot see bytes that are already in this process, so they must be
        parsed before the network loop waits again.
        """
        rc = super().loop_read(max_packets)
        handled = 1
        while (
            rc == MQTTErrorCode.MQTT_ERR_SUCCESS
            and self.buffered()
            and handled < PACKETS_PER_READ
            and self._sock is not None
        ):
            rc = super().loop_read(max_packets)
            handled += 1
        return rc

    def ack_many(self, mids: Sequence[int]) -> MQTTErrorCode:
        """Acknowledge QoS 1 messages (PUBACK) in one write.

        paho queues each acknowledgement as its own packet: a wake-up byte and a ``send``
        of four bytes per message. A batch's PUBACKs are the same bytes in a row, so they
        go as one queued packet (paho's writer treats a PUBACK as plain bytes).
        """
        if not mids:
            return MQTTErrorCode.MQTT_ERR_SUCCESS
        packet = b"".join([_PUBACK_HEAD + mid.to_bytes(2, "big") for mid in mids])
        return self._packet_queue(mqtt.PUBACK, packet, 0, 0)

    def _handle_publish(self) -> MQTTErrorCode:
        """Decode a QoS 0/1 MQTT 5 PUBLISH without properties; paho decodes the rest."""
        command = self._in_packet["command"]
        packet = self._in_packet["packet"]
        qos = (command & 0x06) >> 1
        if self._protocol != MQTTProtocolVersion.MQTTv5 or qos > 1 or len(packet) < 2:
            return super()._handle_publish()
        topic_end = 2 + int.from_bytes(packet[:2], "big")
        properties_at = topic_end + 2 * qos
        if topic_end == 2 or len(packet) <= properties_at or packet[properties_at] != 0:
            return super()._handle_publish()
        message = mqtt.MQTTMessage(
            mid=int.from_bytes(packet[topic_end:properties_at], "big"),
            topic=bytes(packet[2:topic_end]),
        )
        message.dup = bool(command & 0x08)
        message.qos = qos
        message.retain = bool(command & 0x01)
        message.payload = bytes(packet[properties_at + 1 :])
        message.timestamp = mqtt.time_func()
        self._handle_on_message(message)
        if qos == 1 and not self._manual_ack:
            return self._send_puback(message.mid)
        return MQTTErrorCode.MQTT_ERR_SUCCESS

    def _handle_on_message(self, message: mqtt.MQTTMessage) -> None:
        """paho's dispatch to ``on_message``, without its per-message topic-filter lookup
        (decoding the topic, a matcher walk, a list and a second lock) while no
        per-topic callback is registered, as in the ingest worker."""
        if self._on_message_filtered._root._children:  # message_callback_add was used
            super()._handle_on_message(message)
            return
        on_message = self.on_message
        if on_message is None:
            return
        with self._in_callback_mutex:
            try:
                on_message(self, self._userdata, message)
            except Exception as err:
                self._easy_log(mqtt.MQTT_LOG_ERR, "Caught exception in on_message: %s", err)
                if not self.suppress_exceptions:
                    raise


def paho_version() -> str:
    """The installed paho-mqtt version."""
    return str(paho.mqtt.__version__)
