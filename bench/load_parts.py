"""The parts of ``bench/load.py`` that run beside the server: the simulator process, the
WebSocket clients that stand in for tablets, and process and database helpers."""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import paho.mqtt.client as mqtt
import psycopg
import websockets
from paho.mqtt.enums import CallbackAPIVersion

ROOT = Path(__file__).resolve().parent.parent
STAMP = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6})")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url(name: str) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, f"/{name}", parts.query, ""))


def rss_mb(pid: int) -> float:
    """Resident set size of ``pid`` in MiB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


# --- the simulator process -------------------------------------------------------------------


def simulate(port: int, count: int, rate: float, stop: object, published: object) -> None:
    """Publish round-robin over ``count`` topics at ``rate`` messages/s until ``stop``.

    ``published`` counts the messages the broker acknowledged (PUBACK), not the calls to
    ``publish``: on a starved host paho's own queue holds what it could not send yet, and
    what it still holds when the run stops never reached the broker, so it cannot be
    missing from the database.
    """
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="load-simulator")
    client.max_inflight_messages_set(2000)
    client.max_queued_messages_set(0)
    accepted = [0]

    def on_publish(*_: object) -> None:
        accepted[0] += 1

    client.on_publish = on_publish
    client.connect("127.0.0.1", port)
    client.loop_start()
    rng = random.Random(7)
    tick = 0.01
    per_tick = rate * tick
    owed = 0.0
    sent = 0
    index = 0
    sequence = [0] * count
    next_tick = time.perf_counter()
    while not stop.is_set():  # type: ignore[attr-defined]
        owed += per_tick
        while owed >= 1:
            owed -= 1
            char = index % count
            index += 1
            k = sequence[char]
            sequence[char] += 1
            body = {
                "value": round(rng.gauss(10.0, 1.0), 6),
                "id": f"{char}-{k}",
                "timestamp": datetime.now(UTC).isoformat(),
            }
            client.publish(f"load/c{char}", json.dumps(body), qos=1)
            sent += 1
        published.value = accepted[0]  # type: ignore[attr-defined]
        next_tick += tick
        delay = next_tick - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
    deadline = time.monotonic() + 30
    while client.want_write() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1)
    client.disconnect()
    client.loop_stop()
    published.value = accepted[0]  # type: ignore[attr-defined]
    if sent > accepted[0]:
        print(f"simulator: {sent - accepted[0]} messages never reached the broker", flush=True)


# --- WebSocket clients ---------------------------------------------------------------------------


PING_EVERY = 10.0
"""Seconds between a client's pings: the server closes a live socket silent for 2.5
heartbeats (``OPENSPC_LIVE_HEARTBEAT_SECONDS``, 20 s), as a page's script prevents."""


@dataclass
class ClientStats:
    """What the browsers saw."""

    latencies: list[tuple[float, float]] = field(default_factory=list)  # (received, latency)
    frames: int = 0
    errors: int = 0


async def browser(url: str, cookie: str, stats: ClientStats, stop: asyncio.Event) -> None:
    """One tablet: connect with the session, record the latency of every chart point."""
    headers = {"Cookie": cookie, "Origin": "http://localhost"}
    try:
        async with websockets.connect(url, additional_headers=headers, max_size=None) as ws:
            pinged = time.monotonic()
            while not stop.is_set():
                if time.monotonic() - pinged >= PING_EVERY:  # as static/js/live.js does
                    await ws.send('{"type": "ping"}')
                    pinged = time.monotonic()
                try:
                    frame = await asyncio.wait_for(ws.recv(), 1.0)
                except TimeoutError:
                    continue
                received = time.time()
                stats.frames += 1
                match = STAMP.search(frame if isinstance(frame, str) else frame.decode())
                if match:
                    sent = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S.%f")
                    latency = received - sent.replace(tzinfo=UTC).timestamp()
                    stats.latencies.append((received, latency))
    except Exception as exc:
        stats.errors += 1
        print(f"websocket client failed: {exc!r}", file=sys.stderr)


# --- orchestration ---------------------------------------------------------------------------


def stored_count(db: str) -> tuple[int, int]:
    """(samples, distinct idempotency keys) stored so far."""
    with psycopg.connect(db) as conn:
        row = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT (characteristic_id, idempotency_key)) FROM spc_sample"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def progress_count(db: str) -> int:
    """Samples stored so far, read from the workers' ``measurements`` counter (one row,
    updated in each batch's transaction; every message is one I-MR sample). Counting
    ``spc_sample`` every few seconds grew with the table and slowed the whole machine."""
    with psycopg.connect(db) as conn:
        row = conn.execute(
            "SELECT COALESCE(SUM(value), 0) FROM ingest_ingestcounter WHERE name = 'measurements'"
        ).fetchone()
    assert row is not None
    return int(row[0])


def python_with_stack_dumps() -> list[str]:
    """``manage.py`` whose process prints every thread's stack on SIGUSR1 (diagnosis)."""
    code = (
        "import faulthandler, runpy, signal, sys; "
        "faulthandler.register(signal.SIGUSR1, all_threads=True); "
        "sys.argv = ['manage.py', *sys.argv[1:]]; "
        f"runpy.run_path({str(ROOT / 'manage.py')!r}, run_name='__main__')"
    )
    return [sys.executable, "-c", code]


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
