"""One bare subscriber of the ingest ceiling: what the broker, a subscriber and a batched
INSERT of the same rows cost on this machine, with nothing of OpenSPC in between.

``bench/ingest.py --workers N`` starts N of these after its own workers (same broker,
same database, same topics, same batch size) and prints the product's rate as a share of
theirs. Each one: paho's stock client, MQTT 5, QoS 1 with manual acknowledgement, a shared
subscription so the N split the messages; per batch it decodes the JSON, inserts one
``spc_sample`` row and one ``spc_measurement`` row per message with two ``unnest``
statements, commits, acknowledges, and prints how many messages it has stored.

Run by the bench: ``python bench/ingest_ceiling.py URL TOPIC_FILTER BATCH`` with
``DATABASE_URL`` naming the PostgreSQL database (the ceiling is measured on PostgreSQL only).
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.enums import CallbackAPIVersion

FILLED = ("characteristic_id", "timestamp", "received_at", "source", "actual_n", "mean", "value")
"""The columns a bare row sets from the message; every other NOT NULL column without a
database default gets its type's empty value (found at start, so new columns need no edit)."""
EMPTY = {
    "character varying": "''",
    "text": "''",
    "boolean": "false",
    "jsonb": "'[]'",
    "double precision": "0",
    "integer": "0",
    "bigint": "0",
    "smallint": "0",
}


def sample_insert(cursor: Any) -> str:
    """The bare INSERT of one sample row per message (unnest of ids and values)."""
    cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = "
        "'spc_sample' AND is_nullable = 'NO' AND column_default IS NULL AND column_name <> 'id'"
    )
    others = [(name, kind) for name, kind in cursor.fetchall() if name not in FILLED]
    columns = ", ".join([*FILLED, *(name for name, _ in others)])
    values = ", ".join(["c", "t", "t", "'MQTT'", "1", "v", "v", *(EMPTY[k] for _, k in others)])
    return (
        f"INSERT INTO spc_sample ({columns}) SELECT {values} "
        "FROM unnest(%s::bigint[], %s::float8[]) AS u(c, v), (SELECT %s::timestamptz AS t) now "
        "RETURNING id"
    )


MEASUREMENT_INSERT = (
    "INSERT INTO spc_measurement (sample_id, position, value) "
    "SELECT s, 0, v FROM unnest(%s::bigint[], %s::float8[]) AS u(s, v)"
)


def main(url: str, topic_filter: str, batch_size: int) -> None:
    """Subscribe, then store and acknowledge batches until terminated."""
    database = psycopg.connect(os.environ["DATABASE_URL"])
    with database.cursor() as cursor:
        cursor.execute("SELECT mqtt_topic, id FROM spc_characteristic WHERE mqtt_topic <> ''")
        topics: dict[str, int] = dict(cursor.fetchall())
        insert = sample_insert(cursor)
    database.commit()
    inbox: queue.SimpleQueue[mqtt.MQTTMessage] = queue.SimpleQueue()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5, manual_ack=True)
    client.max_inflight_messages_set(1000)
    client.on_message = lambda c, u, message: inbox.put(message)
    client.on_connect = lambda c, *args: c.subscribe(f"$share/ceiling/{topic_filter}", qos=1)
    client.on_subscribe = lambda *args: print("ready", flush=True)
    broker = urlparse(url)
    client.connect(broker.hostname or "127.0.0.1", broker.port or 1883)
    client.loop_start()
    stored = 0
    while True:
        batch = [inbox.get()]
        deadline = time.monotonic() + 0.05
        while len(batch) < batch_size:
            try:
                batch.append(inbox.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                break
        chars, values = [], []
        for message in batch:
            chars.append(topics[message.topic])
            values.append(float(json.loads(message.payload)["value"]))
        with database.cursor() as cursor:
            cursor.execute(insert, (chars, values, datetime.now(UTC)))
            ids = [row[0] for row in cursor.fetchall()]
            cursor.execute(MEASUREMENT_INSERT, (ids, values))
        database.commit()
        for message in batch:
            client.ack(message.mid, message.qos)
        stored += len(batch)
        print(stored, flush=True)


def measure_ceiling(
    url: str, run: str, workers: int, messages: int, characteristics: int, batch_size: int
) -> tuple[float, float]:
    """(messages/s, CPU seconds per message of the subscribers) for ``workers`` bare
    subscribers storing ``messages`` published as fast as the broker takes them."""
    from bench.ingest_publisher import start_publisher
    from bench.measure import cpu_seconds

    here = Path(__file__)
    procs = [
        subprocess.Popen(
            [sys.executable, str(here), url, f"bench/{run}/#", str(batch_size)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    ready = threading.Semaphore(0)
    counts = [0] * workers
    finished = threading.Event()
    done_at = [0.0]

    def follow(index: int, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == "ready":
                ready.release()
                continue
            counts[index] = int(line)
            if sum(counts) >= messages and not finished.is_set():
                done_at[0] = time.time()
                finished.set()

    readers = [
        threading.Thread(target=follow, args=(i, p), daemon=True) for i, p in enumerate(procs)
    ]
    for reader in readers:
        reader.start()
    try:
        for _ in procs:
            if not ready.acquire(timeout=60):
                raise SystemExit("a bare subscriber did not subscribe within 60 s")
        cpu_before = [cpu_seconds(p.pid) for p in procs]
        t0 = time.time()
        port = int(url.rsplit(":", 1)[1])
        feeder = start_publisher(port, run, 0, messages, characteristics, tag="c")
        if not finished.wait(600):
            raise SystemExit("the bare subscribers did not store every message in 600 s")
        cpu = sum(cpu_seconds(p.pid) - c for p, c in zip(procs, cpu_before, strict=True))
        feeder.wait(60)
        return messages / (done_at[0] - t0), cpu / messages
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(10)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
