"""Fault tolerance of the ingest worker, with the worker in a subprocess.

The worker is killed with SIGKILL in the middle of 10,000 QoS 1 messages and restarted, and
the broker is restarted in the middle of a stream: every measurement is stored exactly once
(counted in the database).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.tests.broker import Broker, Publisher, running_broker, wait_for

# Generous: on a loaded 2-core machine the pipeline stores ~20 samples/s (see bench/).
pytestmark = [pytest.mark.services, pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parent.parent
SINGLES = 5000
GROUPED = 5000  # readings of an n = 5 characteristic: 1,000 subgroups

SETUP = """
from hierarchy.models import Node
from spc.models import Characteristic
root = Node.objects.create(name="Fault", code="fault", level="ENTERPRISE")
Characteristic.objects.create(hierarchy=root, name="single", provider="MQTT",
    mqtt_topic="fault/single", chart_type="I_MR", subgroup_size=1)
Characteristic.objects.create(hierarchy=root, name="grouped", provider="MQTT",
    mqtt_topic="fault/grouped", chart_type="XBAR_R", subgroup_size=5, min_measurements=2,
    buffer_timeout_seconds=3600)
"""


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["OPENSPC_SQLITE_PATH"] = str(tmp_path / "fault.sqlite3")
    env["DJANGO_SETTINGS_MODULE"] = "openspc.settings"
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "shell", "-c", SETUP], env=env, check=True, cwd=ROOT)
    return env


@pytest.fixture
def broker() -> Iterator[Broker]:
    with running_broker() as started:
        yield started


def start_worker(env: dict[str, str], broker: Broker, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "ingest",
            "--url",
            broker.url,
            "--client-id",
            "fault-worker",
            "--batch-size",
            "200",
        ],
        env=env,
        cwd=ROOT,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def counts(db: str) -> dict[str, int]:
    with sqlite3.connect(db, timeout=30) as conn:
        rows = conn.execute(
            "SELECT c.name, COUNT(DISTINCT s.id), COUNT(m.id) FROM spc_characteristic c "
            "LEFT JOIN spc_sample s ON s.characteristic_id = c.id "
            "LEFT JOIN spc_measurement m ON m.sample_id = s.id GROUP BY c.name"
        ).fetchall()
        letters = conn.execute("SELECT COUNT(*) FROM ingest_deadletter").fetchone()[0]
    result = {"dead_letters": letters}
    for name, samples, measurements in rows:
        result[f"{name}.samples"] = samples
        result[f"{name}.measurements"] = measurements
    return result


def test_sigkill_mid_stream_loses_nothing_and_stores_nothing_twice(
    environment: dict[str, str], broker: Broker, tmp_path: Path
) -> None:
    db = environment["OPENSPC_SQLITE_PATH"]
    log = tmp_path / "worker.log"
    worker = start_worker(environment, broker, log)
    publisher = Publisher(broker.port)
    try:
        # The worker's persistent session exists once a probe message is stored (the probe
        # is repeated until the worker has subscribed; its id makes the repeats no-ops).
        def probe_stored() -> bool:
            publisher.publish("fault/single", json.dumps({"value": -1, "id": "probe"}))
            return counts(db)["single.samples"] == 1

        wait_for(probe_stored, timeout=60, interval=0.5)

        def publish_all() -> None:
            for i in range(max(SINGLES, GROUPED)):
                if i < SINGLES:
                    body = {"value": i % 7, "id": f"s{i}"}
                    publisher.client.publish("fault/single", json.dumps(body), qos=1)
                if i < GROUPED:
                    body = {"value": i % 5, "id": f"g{i}"}
                    publisher.client.publish("fault/grouped", json.dumps(body), qos=1)

        sender = threading.Thread(target=publish_all)
        sender.start()
        wait_for(lambda: counts(db)["single.samples"] > 1500, timeout=120, interval=0.1)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        stored_at_kill = counts(db)["single.samples"]
        sender.join(timeout=120)
        assert stored_at_kill < SINGLES + 1, "the kill came after the end of the stream"

        worker = start_worker(environment, broker, log)
        expected = {
            "dead_letters": 0,
            "single.samples": SINGLES + 1,
            "single.measurements": SINGLES + 1,
            "grouped.samples": GROUPED // 5,
            "grouped.measurements": GROUPED,
        }
        wait_for(lambda: counts(db) == expected, timeout=900, interval=0.5)
    finally:
        publisher.close()
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
    # Exactly once, also by content: every id and every grouped reading once.
    with sqlite3.connect(db) as conn:
        keys = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT idempotency_key) FROM spc_sample"
        ).fetchone()
        grouped_values = conn.execute(
            "SELECT m.value, COUNT(*) FROM spc_measurement m JOIN spc_sample s "
            "ON m.sample_id = s.id JOIN spc_characteristic c ON s.characteristic_id = c.id "
            "WHERE c.name = 'grouped' GROUP BY m.value ORDER BY m.value"
        ).fetchall()
    assert keys[0] == keys[1]
    assert grouped_values == [(float(v), GROUPED // 5) for v in range(5)]


def test_broker_restart_mid_stream_loses_nothing_and_stores_nothing_twice(
    environment: dict[str, str], tmp_path: Path
) -> None:
    db = environment["OPENSPC_SQLITE_PATH"]
    broker = Broker(persistence=True)
    broker.start()
    worker = start_worker(environment, broker, tmp_path / "worker.log")
    publisher = Publisher(broker.port, client_id="fault-publisher")
    total = 3000
    try:

        def probe_stored() -> bool:
            publisher.publish("fault/single", json.dumps({"value": -1, "id": "probe"}))
            return counts(db)["single.samples"] == 1

        wait_for(probe_stored, timeout=60, interval=0.5)

        def publish_all() -> None:
            for i in range(total):
                body = {"value": i % 7, "id": f"r{i}"}
                publisher.client.publish("fault/single", json.dumps(body), qos=1)
                time.sleep(0.002)

        sender = threading.Thread(target=publish_all)
        sender.start()
        wait_for(lambda: counts(db)["single.samples"] > 300, timeout=120, interval=0.1)
        broker.stop()
        stored_while_down = counts(db)["single.samples"]
        broker.start()
        sender.join(timeout=120)
        assert stored_while_down < total + 1, "the restart came after the end of the stream"
        wait_for(
            lambda: (
                counts(db)["single.samples"] == total + 1
                and counts(db)["single.measurements"] == total + 1
            ),
            timeout=600,
            interval=0.5,
        )
        assert counts(db)["dead_letters"] == 0
    finally:
        publisher.close()
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        broker.cleanup()
