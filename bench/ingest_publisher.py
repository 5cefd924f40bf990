"""The ingest bench's publisher: a separate process that writes MQTT packets itself.

Run by ``bench/ingest.py`` (:func:`start_publisher`) as ``python bench/ingest_publisher.py
PORT TOPIC_PREFIX ID_PREFIX FIRST COUNT CHARACTERISTICS RATE TIMES_PATH``. Standard library
only (and ``ingest.mqtt_wire``, which is too), so it starts without Django.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.mqtt_wire import (  # after the path: standard library only
    mqtt_connect_packet,
    mqtt_string,
    remaining_length,
)

WINDOW = 1000  # QoS 1 publishes in flight: two alternating ranges of packet ids


def publisher_process(
    port: int,
    topic_prefix: str,
    id_prefix: str,
    first: int,
    count: int,
    characteristics: int,
    rate: float,
    times_path: str,
) -> None:
    """Publish ``count`` QoS 1 readings of a stable process (CL 10, sigma 1: violations as
    rare as in a real plant), numbered from ``first``, round robin over the
    characteristics' topics; as fast as the broker takes them, or ``rate`` per second.
    With a ``times_path`` (not ``-``), writes each message's publish time there.

    It runs in a separate process, as a plant's machines are, and writes MQTT 3.1.1
    packets to the socket itself, up to :data:`WINDOW` unacknowledged at a time: the
    machines publish from other hosts, and paho's Python client spent about 60 % of a core
    here at 2,500 messages/s, CPU the worker and the database then lacked.
    """
    import socket

    rng = random.Random(first)
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(mqtt_connect_packet(f"bench-publisher-{os.getpid()}", keep_alive=60))
    if sock.recv(4)[:1] != b"\x20":
        raise SystemExit("the broker refused the publisher's CONNECT")
    acked = threading.Semaphore(0)

    def read_acks() -> None:
        """Count PUBACKs (4 bytes each); the broker sends nothing else."""
        pending = b""
        while True:
            try:
                data = sock.recv(65536)
            except OSError:  # closed after the last acknowledgement
                return
            if not data:
                return
            pending += data
            whole = len(pending) // 4
            for _ in range(whole):
                acked.release()
            pending = pending[whole * 4 :]

    def packet(k: int) -> bytes:
        number = first + k
        body = json.dumps({"value": round(rng.gauss(10.0, 1.0), 4), "id": f"{id_prefix}{number}"})
        topic = mqtt_string(f"{topic_prefix}/{number % characteristics}")
        variable = topic + ((k % WINDOW) + 1).to_bytes(2, "big")  # the packet id
        payload = body.encode()
        return b"\x32" + remaining_length(len(variable) + len(payload)) + variable + payload

    def wait_for_ack() -> None:
        if not acked.acquire(timeout=120):
            raise SystemExit("the broker stopped acknowledging")

    threading.Thread(target=read_acks, daemon=True).start()
    times: list[float] = []
    per_write = 1 if rate else WINDOW // 2
    started = time.perf_counter()
    sent = released = 0
    while sent < count:
        if rate:
            delay = started + sent / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        size = min(per_write, count - sent)
        chunk = b"".join(packet(k) for k in range(sent, sent + size))
        while sent + size - released > WINDOW:  # packet ids in use until acknowledged
            wait_for_ack()
            released += 1
        times.append(time.time())
        sock.sendall(chunk)
        sent += size
    while released < sent:  # what is still in flight
        wait_for_ack()
        released += 1
    sock.sendall(b"\xe0\x00")  # DISCONNECT
    sock.close()
    if times_path != "-":
        Path(times_path).write_text(json.dumps(times))


def start_publisher(
    port: int,
    run: str,
    first: int,
    count: int,
    characteristics: int,
    rate: float = 0.0,
    times_path: Path | None = None,
    tag: str = "",
) -> subprocess.Popen[bytes]:
    """A publisher process for ``bench/<run>/<i>`` topics, ids ``<run>-<tag><n>``."""
    return subprocess.Popen(
        [
            sys.executable,
            __file__,
            str(port),
            f"bench/{run}",
            f"{run}-{tag}",
            str(first),
            str(count),
            str(characteristics),
            str(rate),
            str(times_path) if times_path else "-",
        ]
    )


if __name__ == "__main__":
    port_, topic_, id_, first_, count_, chars_, rate_, times_ = sys.argv[1:9]
    publisher_process(
        int(port_), topic_, id_, int(first_), int(count_), int(chars_), float(rate_), times_
    )
