"""Two ingest workers on one plant: real Mosquitto, real PostgreSQL, disjoint partitions.

Two ``manage.py ingest`` subprocesses share six characteristics (``--partition 0/2`` and
``1/2``). Every published measurement must be stored exactly once, each characteristic's
samples must keep the published order, and the violations stored must be exactly those
the SPC core's batch scan finds on the stored series.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pytest

from conftest import require_service
from ingest.tests.broker import Broker, Publisher, running_broker, wait_for
from spc.core.rules import ruleset_from_mapping, scan
from spc.models import default_rules

pytestmark = [pytest.mark.services, pytest.mark.timeout(300)]

psycopg = pytest.importorskip("psycopg")

ROOT = Path(__file__).resolve().parent.parent
# One database per test process: parallel runs of the suite must not drop each other's.
DATABASE = f"openspc_two_workers_{os.getpid()}"
CHARACTERISTICS = 6
PER_CHARACTERISTIC = 400
CENTER, SIGMA = 10.0, 1.0

SETUP = f"""
from hierarchy.models import Node
from spc.models import Characteristic
root = Node.objects.create(name="Two workers", code="two", level="ENTERPRISE")
for i in range({CHARACTERISTICS}):
    Characteristic.objects.create(hierarchy=root, name=f"c{{i}}", provider="MQTT",
        mqtt_topic=f"two/c{{i}}", chart_type="I_MR", subgroup_size=1,
        center_line={CENTER}, ucl={CENTER + 3 * SIGMA}, lcl={CENTER - 3 * SIGMA},
        sigma={SIGMA})
"""


def server_url() -> str:
    """The PostgreSQL server of ``DATABASE_URL`` when it is one, else the local default."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    return url


def database_url(name: str) -> str:
    parts = urlsplit(server_url())
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def conninfo(name: str) -> str:
    return database_url(name).replace("postgres://", "postgresql://", 1)


@pytest.fixture
def database() -> Iterator[str]:
    """A fresh database of our own on the PostgreSQL server, dropped afterwards."""
    port = urlsplit(server_url()).port or 5432
    require_service(port, "postgresql")
    with psycopg.connect(conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    try:
        yield database_url(DATABASE)
    finally:
        with psycopg.connect(conninfo("postgres"), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


@pytest.fixture
def environment(database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENSPC_", "REDIS_"))}
    env.update(DATABASE_URL=database, DJANGO_SETTINGS_MODULE="openspc.settings")
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "shell", "-c", SETUP], env=env, check=True, cwd=ROOT)
    return env


@pytest.fixture
def broker() -> Iterator[Broker]:
    with running_broker() as started:
        yield started


def start_worker(env: dict[str, str], broker: Broker, index: int, log: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        str(ROOT / "manage.py"),
        "ingest",
        "--url",
        broker.url,
        "--client-id",
        f"two-workers-{index}",
        "--partition",
        f"{index}/2",
        "--batch-size",
        "100",
    ]
    return subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


def series(values_seed: int) -> list[float]:
    """In-control noise with a sustained shift and a trend, so several rules fire."""
    rng = np.random.default_rng(values_seed)
    values = rng.normal(CENTER, SIGMA, PER_CHARACTERISTIC)
    values[100:130] += 1.8 * SIGMA  # shift: rules 2, 5, 6 (and some 1)
    values[200:208] = CENTER + np.linspace(-2.0, 2.0, 8) * SIGMA  # trend: rule 3
    values[300:320] = CENTER + rng.normal(0, 0.2 * SIGMA, 20)  # hugging: rule 7
    return [round(float(v), 6) for v in values]


def stored(db: str) -> dict[str, list[tuple[int, float, int]]]:
    """Per characteristic name: (sample id, value, measurement count) in id order."""
    with psycopg.connect(db) as conn:
        rows = conn.execute(
            "SELECT c.name, s.id, s.value, COUNT(m.id) FROM spc_characteristic c "
            "JOIN spc_sample s ON s.characteristic_id = c.id "
            "LEFT JOIN spc_measurement m ON m.sample_id = s.id "
            "GROUP BY c.name, s.id, s.value ORDER BY c.name, s.id"
        ).fetchall()
    result: dict[str, list[tuple[int, float, int]]] = {}
    for name, sample_id, value, measurements in rows:
        result.setdefault(name, []).append((sample_id, value, measurements))
    return result


def sample_total(db: str) -> int:
    with psycopg.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM spc_sample").fetchone()[0])


def violations(db: str) -> set[tuple[int, int]]:
    with psycopg.connect(db) as conn:
        rows = conn.execute("SELECT sample_id, rule FROM alerts_violation").fetchall()
    return {(int(s), int(r)) for s, r in rows}


def test_two_workers_store_every_measurement_once_in_order_with_the_batch_rules(
    environment: dict[str, str], broker: Broker, tmp_path: Path
) -> None:
    db = conninfo(DATABASE)
    workers = [start_worker(environment, broker, i, tmp_path / f"worker{i}.log") for i in (0, 1)]
    publisher = Publisher(broker.port)
    published = {f"c{i}": series(i) for i in range(CHARACTERISTICS)}
    try:
        # A probe per characteristic, repeated until stored (its id makes repeats no-ops):
        # then both workers have subscribed to their partitions.
        def probes_stored() -> bool:
            for i in range(CHARACTERISTICS):
                publisher.publish(f"two/c{i}", json.dumps({"value": CENTER, "id": f"p{i}"}))
            return sample_total(db) == CHARACTERISTICS

        wait_for(probes_stored, timeout=90, interval=0.5)
        for k in range(PER_CHARACTERISTIC):
            for i in range(CHARACTERISTICS):
                body = {"value": published[f"c{i}"][k], "id": f"c{i}-{k}"}
                publisher.client.publish(f"two/c{i}", json.dumps(body), qos=1)
        expected_total = CHARACTERISTICS * (PER_CHARACTERISTIC + 1)
        wait_for(lambda: sample_total(db) >= expected_total, timeout=180, interval=0.2)
    finally:
        publisher.close()
        for worker in workers:
            stop(worker)
    logs = "\n".join(p.read_text(errors="replace") for p in tmp_path.glob("worker*.log"))

    rows = stored(db)
    assert sample_total(db) == expected_total, logs  # nothing twice after the workers stopped
    found = violations(db)
    ruleset = ruleset_from_mapping(default_rules())
    fired_rules: set[int] = set()
    for name, values in published.items():
        char_rows = rows[name]
        assert [v for _, v, _ in char_rows] == [CENTER, *values]  # once each, in order
        assert all(n == 1 for _, _, n in char_rows)  # one measurement per sample
        z = [(v - CENTER) / SIGMA for _, v, _ in char_rows]
        expected = {(char_rows[s.index][0], int(s.rule)) for s in scan(z, ruleset)}
        ids = {sample_id for sample_id, _, _ in char_rows}
        assert {(s, r) for s, r in found if s in ids} == expected, name
        fired_rules |= {rule for _, rule in expected}
    assert {1, 2, 3, 5, 6, 7} <= fired_rules  # the series exercised the run rules
    assert "Traceback" not in logs
