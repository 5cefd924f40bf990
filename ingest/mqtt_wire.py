"""MQTT 3.1.1 wire encoding for the places that write packets themselves rather than
through paho: the readiness probe (``openspc.health``) and the benchmark's publisher.

Standard library only, so a process can use it without setting Django up.
"""

from __future__ import annotations


def mqtt_string(text: str) -> bytes:
    """A UTF-8 string as MQTT encodes it: two bytes of length, then the bytes."""
    data = text.encode("utf-8")
    return len(data).to_bytes(2, "big") + data


def remaining_length(length: int) -> bytes:
    """MQTT's variable-length encoding of a packet's remaining length."""
    out = bytearray()
    while True:
        byte, length = length % 128, length // 128
        out.append(byte | (0x80 if length else 0))
        if not length:
            return bytes(out)


def mqtt_connect_packet(
    client_id: str, username: str = "", password: str = "", keep_alive: int = 10
) -> bytes:
    """An MQTT 3.1.1 CONNECT packet with a clean session."""
    flags = 0x02
    payload = mqtt_string(client_id)
    if username:
        flags |= 0x80
        payload += mqtt_string(username)
        if password:
            flags |= 0x40
            payload += mqtt_string(password)
    variable = mqtt_string("MQTT") + bytes([4, flags]) + keep_alive.to_bytes(2, "big")
    body = variable + payload
    return b"\x10" + remaining_length(len(body)) + body
