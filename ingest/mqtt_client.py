"""paho-mqtt's client with a leaner receive path for the ingest worker's message rates.

paho 2.2 handles one packet per ``select`` call, reads each packet with three ``recv``
calls (command byte, length byte, rest), and builds an MQTT 5 ``Properties`` object for
every PUBLISH even when it carries none. Each of those system calls also hands the
interpreter lock to the worker's main thread and waits to get it back. At thousands of
messages per second that was about a third of a worker's CPU.

:class:`IngestClient` changes only how bytes reach paho's packet parser and how a plain
PUBLISH is decoded and handed over; connecting, sessions, acknowledgements, keep-alive and
reconnection stay paho's own. It overrides methods that paho does not document
(``_sock_recv``, ``loop_read``, ``_loop``, ``_handle_publish``, and
``_handle_on_message``, whose topic-filter lookup cost 1.8 us a message with no per-topic
callback registered), which is why ``requirements.txt`` pins paho-mqtt and
``ingest/tests/test_mqtt_client.py`` checks the version and compares the decoding with
paho's own. After each read, the whole plain
PUBLISH packets in the buffer are decoded where they lie, without paho's per-packet state,
and handed to ``on_message_batch`` as one run; their messages are :class:`ReceivedMessage`,
which skips the publish handle (a ``threading.Condition``) paho builds for every message.
On a socket pair with 200,000 bench-sized packets: 8.1 us of CPU per message before, 2.6
with both.

Whether that still pays is measured by ``bench/ingest.py --workers 2`` with and without
``--paho-client`` (the bench swaps the class; the product has no switch). On paho 2.2.0,
PostgreSQL, 60,000 messages, four runs each way alternating on a busy 2-core machine:
146-161 us of worker CPU per measurement with this client, 200-254 with paho's own, and
1,900-3,400 against 1,340-2,470 measurements/s, each pair in this client's favour.
Measure again before upgrading paho, and drop the overrides if they stop winning.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Sequence
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


MessageBatchHandler = Callable[[mqtt.Client, Any, list[mqtt.MQTTMessage]], None]
"""``on_message_batch(client, userdata, messages)``."""

_INFO_SLOT = mqtt.MQTTMessage.__dict__["info"]
"""The storage of ``MQTTMessage.info``, which :class:`ReceivedMessage` fills on demand."""


class ReceivedMessage(mqtt.MQTTMessage):
    """A received ``MQTTMessage`` built without its publish handle.

    paho gives every message, received ones too, an ``MQTTMessageInfo`` with a
    ``threading.Condition``: 1.4 us of the 1.5 it takes to build one, for a handle that
    only tracks the sending of an outgoing message. Here it is made when first read.
    """

    __slots__ = ()

    def __init__(
        self, mid: int, topic: bytes, qos: int, payload: bytes, retain: bool, dup: bool
    ) -> None:
        self.timestamp = mqtt.time_func()
        self.state = mqtt.mqtt_ms_invalid
        self.dup = dup
        self.mid = mid
        self._topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.properties = None

    @property
    def info(self) -> mqtt.MQTTMessageInfo:
        """paho's publish handle of the message, made the first time it is asked for."""
        try:
            return _INFO_SLOT.__get__(self)
        except AttributeError:
            handle = mqtt.MQTTMessageInfo(self.mid)
            _INFO_SLOT.__set__(self, handle)
            return handle

    @info.setter
    def info(self, value: mqtt.MQTTMessageInfo) -> None:
        _INFO_SLOT.__set__(self, value)


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
        self._read_error: BaseException | None = None
        self._read_eof = False
        self.on_message_batch: MessageBatchHandler | None = None
        """Called with each run of plain messages read together, instead of
        ``on_message`` per message (which still gets every other message), in order; it
        is not called while a per-topic callback (``message_callback_add``) is set."""

    def _sock_recv(self, bufsize: int) -> bytes:
        """Serve ``bufsize`` bytes at most from the buffer, refilling it when empty.

        What the last :meth:`_fill` met instead of bytes (an error, the end of the
        stream) is what paho's reader gets here next, as if it had read it itself."""
        self._same_connection()
        if self._read_error is not None:
            error, self._read_error = self._read_error, None
            raise error
        if self._read_eof:
            self._read_eof = False
            return b""
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

    def _same_connection(self) -> None:
        """Forget what was read from an earlier connection's socket."""
        if self._sock is not self._read_sock:
            self._read_sock = self._sock
            self._read_buffer = b""
            self._read_pos = 0
            self._read_error = None
            self._read_eof = False

    def _fill(self) -> None:
        """Read what the socket has into the empty buffer. An error or the end of the
        stream is kept for paho's reader (:meth:`_sock_recv`), which handles it."""
        self._same_connection()
        try:
            data = super()._sock_recv(READ_SIZE)
        except Exception as error:  # BlockingIOError (nothing there), a reset, ...
            self._read_error = error
            return
        self._read_buffer, self._read_pos = data, 0
        self._read_eof = not data

    def buffered(self) -> int:
        """Bytes read from the socket that paho has not parsed yet."""
        if self._sock is not self._read_sock:
            return 0
        return len(self._read_buffer) - self._read_pos

    def loop_read(self, max_packets: int = 1) -> MQTTErrorCode:
        """Read the socket, then handle every whole packet in the buffer.

        ``select`` cannot see bytes that are already in this process, so they must be
        parsed before the network loop waits again. Whole plain PUBLISH packets are taken
        straight from the buffer (:meth:`_publishes_from_buffer`); any other packet, or
        one that has not fully arrived, goes through paho's reader one at a time. The
        buffer is filled here first, so the read's first PUBLISH takes the lean path too
        (through paho's reader, a quarter of the messages did at the ingest bench's rates).
        """
        handled = 0
        if self._sock is not None and self._in_packet["command"] == 0 and not self.buffered():
            self._fill()
            handled = self._publishes_from_buffer(PACKETS_PER_READ)
            if handled and (not self.buffered() or handled >= PACKETS_PER_READ):
                return MQTTErrorCode.MQTT_ERR_SUCCESS
        rc = super().loop_read(max_packets)
        handled += 1
        while (
            rc == MQTTErrorCode.MQTT_ERR_SUCCESS
            and self.buffered()
            and handled < PACKETS_PER_READ
            and self._sock is not None
        ):
            if self._in_packet["command"] == 0:  # between packets: nothing half-read
                taken = self._publishes_from_buffer(PACKETS_PER_READ - handled)
                handled += taken
                if taken and (not self.buffered() or handled >= PACKETS_PER_READ):
                    break
            rc = super().loop_read(max_packets)
            handled += 1
        return rc

    def _loop(self, timeout: float = 1.0) -> MQTTErrorCode:
        """paho's network loop step, first handling packets already in the buffer.

        ``loop_read`` stops after :data:`PACKETS_PER_READ` packets so that writes get
        their turn; what it left in the buffer is invisible to ``select``, which would
        otherwise wait for the socket's next bytes (or the whole ``timeout``: the last
        messages of a burst waited a second).
        """
        if self._sock is not None and self.buffered():
            rc = self.loop_read()
            if rc != MQTTErrorCode.MQTT_ERR_SUCCESS or self._sock is None:
                return rc
            if self.buffered():
                timeout = 0.0  # still more here: write what waits, then come back at once
        return super()._loop(timeout)

    def _publishes_from_buffer(self, limit: int) -> int:
        """Handle up to ``limit`` whole plain PUBLISH packets at the head of the buffer;
        how many. Stops at the first packet that is not one, or not whole, and leaves it
        to paho's reader.

        paho's reader costs a dictionary of state, three buffer reads, a copy into a
        ``bytearray`` and a lock per packet: about 6 us of the network thread's 8 per
        message at the ingest bench's rates.
        """
        buffer = self._read_buffer
        pos = self._read_pos
        end = len(buffer)
        messages: list[mqtt.MQTTMessage] = []
        while len(messages) < limit and pos < end:
            command = buffer[pos]
            if command & 0xF0 != mqtt.PUBLISH:
                break
            body, length = _remaining_length(buffer, pos + 1, end)
            if body < 0 or body + length > end:
                break  # the rest of the packet is still on its way: paho waits for it
            stop = body + length
            message = self._plain_publish(command, buffer, body, stop)
            if message is None:
                break
            self._read_pos = pos = stop
            messages.append(message)
        if not messages:
            return 0
        with self._msgtime_mutex:
            self._last_bytes_received = mqtt.time_func()
        self._deliver(messages)
        if not self._manual_ack:
            for message in messages:
                if message.qos == 1:
                    self._send_puback(message.mid)
        return len(messages)

    def _deliver(self, messages: list[mqtt.MQTTMessage]) -> None:
        """Hand a run of received messages to ``on_message_batch`` in one call, or else
        each to ``on_message``."""
        on_batch = self.on_message_batch
        if on_batch is None or self._on_message_filtered._root._children:
            for message in messages:
                self._handle_on_message(message)
            return
        self._call_back("on_message_batch", on_batch, messages)

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
        """Decode a plain PUBLISH (:meth:`_plain_publish`) here; paho decodes the rest."""
        command = self._in_packet["command"]
        packet = self._in_packet["packet"]
        message = self._plain_publish(command, packet, 0, len(packet))
        if message is None:
            return super()._handle_publish()
        self._handle_on_message(message)
        if message.qos == 1 and not self._manual_ack:
            return self._send_puback(message.mid)
        return MQTTErrorCode.MQTT_ERR_SUCCESS

    def _plain_publish(
        self, command: int, data: bytes | bytearray, body: int, stop: int
    ) -> mqtt.MQTTMessage | None:
        """The message of a PUBLISH whose variable header starts at ``data[body]`` and
        which ends before ``data[stop]``, if it is plain: QoS 0 or 1, a topic name, and
        on MQTT 5 no properties. ``None`` for anything else (QoS 2, properties, a topic
        alias, a malformed packet), which paho's own decoding handles."""
        qos = (command & 0x06) >> 1
        if qos > 1 or stop - body < 2:
            return None
        topic_end = body + 2 + int.from_bytes(data[body : body + 2], "big")
        payload_at = topic_end + 2 * qos
        if topic_end == body + 2 or payload_at > stop:
            return None
        if self._protocol == MQTTProtocolVersion.MQTTv5:
            if payload_at >= stop or data[payload_at] != 0:
                return None
            payload_at += 1
        elif self._protocol not in (MQTTProtocolVersion.MQTTv311, MQTTProtocolVersion.MQTTv31):
            return None
        return ReceivedMessage(
            int.from_bytes(data[topic_end : topic_end + 2], "big") if qos else 0,
            bytes(data[body + 2 : topic_end]),
            qos,
            bytes(data[payload_at:stop]),
            bool(command & 0x01),
            bool(command & 0x08),
        )

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
        self._call_back("on_message", on_message, message)

    def _call_back(self, name: str, callback: Callable[..., None], argument: Any) -> None:
        """``callback(client, userdata, argument)`` as paho calls its callbacks: under
        the callback lock, an exception logged, and raised unless suppressed."""
        with self._in_callback_mutex:
            try:
                callback(self, self._userdata, argument)
            except Exception as err:
                self._easy_log(mqtt.MQTT_LOG_ERR, "Caught exception in %s: %s", name, err)
                if not self.suppress_exceptions:
                    raise


def _remaining_length(data: bytes, at: int, end: int) -> tuple[int, int]:
    """(where the variable header starts, the remaining length) of a packet whose length
    bytes start at ``data[at]``; (-1, 0) if they have not all arrived or take more than the
    four bytes MQTT allows (paho's reader then waits or refuses the packet)."""
    length = 0
    shift = 0
    for index in range(at, min(at + 4, end)):
        byte = data[index]
        length |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return index + 1, length
        shift += 7
    return -1, 0


def paho_version() -> str:
    """The installed paho-mqtt version."""
    return str(paho.mqtt.__version__)
