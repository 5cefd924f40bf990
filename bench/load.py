"""Production-shaped load: 1,000 characteristics, 2 ingest workers, PostgreSQL, Redis, daphne.

Run: ``.venv/bin/python bench/load.py [--minutes 10] [--rate 2000] [--characteristics 1000]
[--clients 50] [--workers 2] [--area]``. Needs PostgreSQL (``DATABASE_URL``'s server, else
postgres@127.0.0.1:5432; the bench creates and drops its own database ``openspc_load``),
Redis (``--redis-url``, its own database number: it is flushed) and the mosquitto binary
(a private broker on a free port). It starts, as separate processes:

- a private mosquitto; daphne with the Redis channel layer; ``--workers`` ``manage.py
  ingest`` workers on disjoint partitions; a simulator process publishing plain JSON at
  QoS 1 at ``--rate`` measurements per second in total, round-robin over the
  characteristics, each message carrying its publish time as the source timestamp;
- ``--clients`` WebSocket clients (websockets library) with a logged-in session, each on a
  characteristic page (``?char=<id>``; with ``--area`` also its line's group, as an
  operator's tablet does), measuring publish-to-browser latency from the timestamp in the
  chart-point fragment they receive.

It runs for ``--minutes``, stops publishing, waits for the workers to drain (at most
``--drain`` seconds), stops everything and prints: published vs stored counts (and
duplicates), sustained throughput after the first minute, latency p50/p99/max, frames
received, and the resident memory of every process after minute 1 and at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import paho.mqtt.client as mqtt  # noqa: E402
import psycopg  # noqa: E402
import redis  # noqa: E402
from paho.mqtt.enums import CallbackAPIVersion  # noqa: E402

from bench.load_parts import (  # noqa: E402
    ClientStats,
    browser,
    database_url,
    free_port,
    percentile,
    progress_count,
    python_with_stack_dumps,
    rss_mb,
    simulate,
    start,
    stop_process,
    stored_count,
)
from bench.measure import machine_line  # noqa: E402
from ingest.tests.broker import Broker, wait_for  # noqa: E402

DATABASE = "openspc_load"
LINES = 10
STAMP = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6})")

SETUP = """
import json
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from hierarchy.models import Level, Node
from spc.models import Characteristic
root = Node.objects.create(name="Load", code="load", level=Level.ENTERPRISE)
site = Node.objects.create(name="Site", code="site", level=Level.SITE, parent=root)
area = Node.objects.create(name="Area", code="area", level=Level.AREA, parent=site)
lines = [Node.objects.create(name=f"Line {i}", code=f"l{i}", level=Level.LINE, parent=area)
         for i in range(LINES)]
chars = Characteristic.objects.bulk_create(
    Characteristic(hierarchy=lines[i % LINES], name=f"c{i}", provider="MQTT",
                   mqtt_topic=f"load/c{i}", chart_type="I_MR", subgroup_size=1,
                   center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)
    for i in range(COUNT))
user = User.objects.create_superuser("load", password="load-bench-pass-1")
session = SessionStore()
session["_auth_user_id"] = str(user.pk)
session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
session["_auth_user_hash"] = user.get_session_auth_hash()
session.create()
print(json.dumps({"chars": [c.pk for c in chars],
                  "lines": {c.pk: c.hierarchy_id for c in chars},
                  "session": session.session_key}))
"""


def prepare(args: argparse.Namespace, env: dict[str, str]) -> dict[str, object]:
    admin = database_url("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    script = SETUP.replace("LINES", str(LINES)).replace("COUNT", str(args.characteristics))
    out = subprocess.run(
        [*manage, "shell", "-c", script], env=env, check=True, cwd=ROOT, capture_output=True
    )
    plant: dict[str, object] = json.loads(out.stdout.decode().strip().splitlines()[-1])
    client = redis.Redis.from_url(args.redis_url)
    client.flushdb()
    client.close()
    return plant


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=2000.0, help="Measurements/s in total.")
    parser.add_argument("--characteristics", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--area", action="store_true", help="Clients also join their line.")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--drain", type=float, default=120.0, help="Max seconds to drain.")
    parser.add_argument("--logs", default="/tmp/openspc-load", help="Process logs go here.")
    args = parser.parse_args()

    logs = Path(args.logs)
    logs.mkdir(parents=True, exist_ok=True)
    db = database_url(DATABASE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENSPC_")}
    env.update(
        DATABASE_URL=db.replace("postgresql://", "postgres://", 1),
        REDIS_URL=args.redis_url,
        # The production settings, as docker-compose runs them (plain HTTP here).
        DJANGO_SETTINGS_MODULE="openspc.settings_production",
        OPENSPC_SECRET_KEY=secrets.token_urlsafe(50),
        OPENSPC_ALLOWED_HOSTS="localhost,127.0.0.1",
        OPENSPC_SECURE_SSL_REDIRECT="false",
        OPENSPC_LOG_JSON="false",
        OPENSPC_LOG_LEVEL="WARNING",
        OPENSPC_DB_CONN_MAX_AGE="600",
        # The --clients sockets are one signed-in user's: lift the per-user cap (5 by
        # default, a guard against runaway tabs), or all but five are refused with 4429.
        OPENSPC_LIVE_CONNECTIONS_PER_USER=str(args.clients + 10),
    )
    print(f"preparing {args.characteristics} characteristics in {DATABASE} ...", flush=True)
    plant = prepare(args, env)
    chars: list[int] = plant["chars"]  # type: ignore[assignment]
    lines: dict[str, int] = plant["lines"]  # type: ignore[assignment]

    broker = Broker()
    broker.start()
    port = free_port()
    processes: dict[str, subprocess.Popen[bytes]] = {}
    stop_publishing = mp.Event()
    published = mp.Value("q", 0)
    simulator: mp.Process | None = None
    try:
        processes["daphne"] = start(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "openspc.asgi:application",
            ],
            env,
            logs / "daphne.log",
        )
        for i in range(args.workers):
            processes[f"ingest-{i}"] = start(
                [
                    *python_with_stack_dumps(),
                    "ingest",
                    "--url",
                    broker.url,
                    "--client-id",
                    f"load-{i}",
                    "--partition",
                    f"{i}/{args.workers}",
                ],
                env,
                logs / f"ingest-{i}.log",
            )

        def ready() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    return bool(r.status == 200)
            except OSError:
                return False

        wait_for(ready, timeout=120, interval=0.5)
        # Every worker has subscribed once a probe on one of its topics is stored.
        probe = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="load-probe")
        probe.connect("127.0.0.1", broker.port)
        probe.loop_start()

        def probes_stored() -> bool:
            for i in range(args.workers):
                body = json.dumps({"value": 10.0, "id": "probe"})
                probe.publish(f"load/c{i}", body, qos=1).wait_for_publish(5)
            return progress_count(db) >= args.workers

        wait_for(probes_stored, timeout=120, interval=1.0)
        probe.disconnect()
        probe.loop_stop()
        baseline = progress_count(db)

        stats = [ClientStats() for _ in range(args.clients)]
        cookie = f"sessionid={plant['session']}"
        watched = [chars[(i * 37) % len(chars)] for i in range(args.clients)]

        async def run() -> dict[str, Any]:
            stop_clients = asyncio.Event()
            tasks = []
            for stat, char in zip(stats, watched, strict=True):
                query = f"char={char}" + (f"&area={lines[str(char)]}" if args.area else "")
                url = f"ws://127.0.0.1:{port}/ws/live/?{query}"
                tasks.append(asyncio.create_task(browser(url, cookie, stat, stop_clients)))
            await asyncio.sleep(2)  # the sockets join their groups
            nonlocal simulator
            simulator = mp.Process(
                target=simulate,
                args=(broker.port, len(chars), args.rate, stop_publishing, published),
                daemon=True,
            )
            simulator.start()
            processes_pids = {name: p.pid for name, p in processes.items()}
            processes_pids["mosquitto"] = broker.process.pid if broker.process else 0
            processes_pids["simulator"] = simulator.pid or 0
            processes_pids["bench (clients)"] = os.getpid()
            started = time.monotonic()
            duration = args.minutes * 60
            marks: dict[str, Any] = {}
            while (elapsed := time.monotonic() - started) < duration:
                await asyncio.sleep(min(5.0, duration - elapsed))
                elapsed = time.monotonic() - started
                stored = progress_count(db) - baseline
                if "rss_1" not in marks and elapsed >= min(60.0, duration / 2):
                    marks["rss_1"] = {n: rss_mb(p) for n, p in processes_pids.items()}
                    marks["t1"], marks["stored_1"] = elapsed, stored
                    marks["wall_1"] = time.time()
                print(
                    f"  {elapsed:6.0f} s  published {published.value:>9}  stored {stored:>9}"
                    f"  frames {sum(s.frames for s in stats):>8}",
                    flush=True,
                )
            marks["t_end"] = time.monotonic() - started
            marks["stored_end"] = progress_count(db) - baseline
            marks["rss_end"] = {n: rss_mb(p) for n, p in processes_pids.items()}
            stop_publishing.set()
            simulator.join(timeout=60)
            drain_start = time.monotonic()
            last, last_change = -1, time.monotonic()
            while time.monotonic() - drain_start < args.drain:
                stored = progress_count(db) - baseline
                if stored >= published.value:
                    break
                if stored != last:
                    last, last_change = stored, time.monotonic()
                elif time.monotonic() - last_change > 90:  # workers commit whole batches
                    break
                await asyncio.sleep(1)
            marks["drain"] = time.monotonic() - drain_start
            await asyncio.sleep(2)  # the last fragments reach the browsers
            stop_clients.set()
            await asyncio.gather(*tasks)
            return marks

        marks = asyncio.run(run())
    finally:
        stop_publishing.set()
        if simulator is not None and simulator.is_alive():
            simulator.terminate()
        for process in processes.values():
            stop_process(process)
        broker.cleanup()

    total, distinct = stored_count(db)
    stored = total - baseline
    sent = int(published.value)
    latencies = [x for s in stats for _, x in s.latencies]
    wall_1 = float(marks.get("wall_1", 0.0))
    latencies_steady = [x for s in stats for at, x in s.latencies if at >= wall_1]
    t1, t_end = float(marks.get("t1", 0.0)), float(marks["t_end"])
    stored_1 = int(marks.get("stored_1", 0))
    stored_end = int(marks["stored_end"])
    print()
    print(machine_line())
    print(f"characteristics   {len(chars)} on {LINES} lines, {args.workers} ingest workers")
    print(f"run               {t_end / 60:.1f} min at a target of {args.rate:.0f} /s")
    print(f"published         {sent}")
    print(
        f"stored            {stored}  (duplicates {total - distinct}, "
        f"missing {sent - stored}, drained in {float(marks['drain']):.0f} s)"
    )
    if t_end > t1 > 0:
        print(
            f"throughput        {(stored_end - stored_1) / (t_end - t1):.0f} stored/s "
            f"after the first minute ({stored_end / t_end:.0f} /s over the whole run)"
        )
    print(
        f"websocket         {args.clients} clients ({'char + line' if args.area else 'char'}"
        f" groups), {sum(s.frames for s in stats)} frames, "
        f"{sum(s.errors for s in stats)} errors"
    )
    for label, values in (("latency all", latencies), ("latency >1 min", latencies_steady)):
        if values:
            print(
                f"{label:<17} p50 {percentile(values, 50) * 1000:.0f} ms  "
                f"p99 {percentile(values, 99) * 1000:.0f} ms  "
                f"max {max(values) * 1000:.0f} ms  (n = {len(values)}, "
                f"mean {statistics.mean(values) * 1000:.0f} ms)"
            )
    if latencies and wall_1:
        by_minute: dict[int, list[float]] = {}
        for s in stats:
            for at, x in s.latencies:
                by_minute.setdefault(max(0, int((at - wall_1) // 60) + 1), []).append(x)
        print(
            "latency by minute p50/p99 ms: "
            + ", ".join(
                f"{m + 1}: {percentile(v, 50) * 1000:.0f}/{percentile(v, 99) * 1000:.0f}"
                for m, v in sorted(by_minute.items())
            )
        )
    print("memory (RSS MiB)  process: after minute 1 -> end (growth)")
    rss_1: dict[str, float] = marks.get("rss_1", {})
    rss_end: dict[str, float] = marks["rss_end"]
    for name, end in rss_end.items():
        first = rss_1.get(name, 0.0)
        growth = f"{(end - first) / first * 100:+.1f} %" if first else "n/a"
        print(f"  {name:<16} {first:7.1f} -> {end:7.1f}  ({growth})")
    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


if __name__ == "__main__":
    main()
