"""Concurrent API clients against the production server: PostgreSQL, Redis, daphne.

Run: ``.venv/bin/python bench/concurrency.py [--connections 8 32] [--seconds 10]
[--samples 10000]``. Needs PostgreSQL (``DATABASE_URL``'s server, else
postgres@127.0.0.1:5432; the bench creates and drops its own database
``openspc_concurrency``) and Redis (``--redis-url``, its own database number: flushed).

It migrates, stores ``--samples`` X-bar/R subgroups of one characteristic through the
pipeline (the chart-data target) and creates one I-MR characteristic per connection (the
single-POST targets: a plant's clients post to many characteristics, not one), runs
ANALYZE, then starts daphne with ``openspc.settings_production`` (the Redis channel layer
and shared cache) and, for each connection count, drives it for ``--seconds`` with that
many keep-alive HTTP/1.1 connections (one thread each, token authentication):

- ``GET characteristics/{id}/chart-data/`` (the default 500 points) on every connection;
- ``POST samples/`` of one I-MR value, each connection on its own characteristic.

Each line prints requests/s, latency p50/p99 at the client, the server's CPU per request
(daphne's process, from /proc) and the machine's load. Targets at 8 connections: 80
chart-data requests/s and 150 single POSTs/s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_parts import database_url, free_port, start, stop_process  # noqa: E402
from bench.measure import cpu_seconds, machine_line  # noqa: E402

DATABASE = "openspc_concurrency"
TARGETS = {"chart-data": 80.0, "single POST": 150.0}


def _environment(redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(DATABASE),
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "openspc.settings_production",
        "OPENSPC_SECRET_KEY": "bench-" + "k" * 40,
        "OPENSPC_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "OPENSPC_SECURE_SSL_REDIRECT": "false",
        "OPENSPC_SECURE_COOKIES": "false",
        "OPENSPC_LOG_LEVEL": "WARNING",
        # Measure the stack, not the per-user throttle (its cache lookups still run).
        "OPENSPC_API_RATE_USER": "100000000/minute",
    }


def _prepare(env: dict[str, str], samples: int, connections: int) -> dict[str, Any]:
    """A fresh database with the chart-data characteristic filled and one single-POST
    characteristic per connection; returns the token and the ids."""
    import psycopg
    import redis

    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    client = redis.Redis.from_url(env["REDIS_URL"])
    client.flushdb()
    client.close()
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL")})
    os.environ["DJANGO_SETTINGS_MODULE"] = "openspc.settings"
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from hierarchy.models import ApiToken, Level, Node, SiteGrant
    from hierarchy.roles import OPERATOR, assign_role
    from spc.models import Characteristic
    from spc.pipeline.processing import SubgroupInput, process_many

    call_command("migrate", verbosity=0)
    root = Node.objects.create(name="Bench", code="bench", level=Level.ENTERPRISE)
    site = Node.objects.create(name="Site", code="s", level=Level.SITE, parent=root)
    chart = Characteristic.objects.create(
        hierarchy=site, name="chart", chart_type="XBAR_R", subgroup_size=5, min_measurements=5,
        center_line=10.0, ucl=10.0 + 3 / 5**0.5, lcl=10.0 - 3 / 5**0.5, sigma=1.0,
    )  # fmt: skip
    singles = [
        Characteristic.objects.create(
            hierarchy=site,
            name=f"single {i}",
            chart_type="I_MR",
            center_line=10.0,
            ucl=13.0,
            lcl=7.0,
            sigma=1.0,
        )
        for i in range(connections)
    ]
    rng = random.Random(3)
    for start_at in range(0, samples, 1000):
        process_many(
            [
                SubgroupInput(
                    characteristic_id=chart.pk,
                    measurements=tuple(rng.gauss(10.0, 1.0) for _ in range(5)),
                    source="REST",
                )
                for _ in range(min(1000, samples - start_at))
            ]
        )
    user = User.objects.create_user("bench", password="bench-pass-1")
    assign_role(user, OPERATOR)
    SiteGrant.objects.create(user=user, node=None)
    _, key = ApiToken.issue(user, "bench")
    from bench.measure import analyze

    print(analyze())
    django.db.connections.close_all()
    return {"token": key, "chart": chart.pk, "singles": [c.pk for c in singles]}


def _wait_for_port(port: int, server: Any, log: Path) -> None:
    import socket

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"daphne exited:\n{log.read_text()[-3000:]}")
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)  # polling a port: there is no event to wait on
    raise SystemExit("daphne did not listen within 60 s")


def _drive(
    port: int, token: str, connections: int, seconds: float, request: Any
) -> tuple[int, list[float]]:
    """``connections`` threads calling ``request(conn, index)`` until ``seconds`` pass;
    (requests completed, latencies in ms)."""
    stop = threading.Event()
    latencies: list[list[float]] = [[] for _ in range(connections)]
    failures: list[str] = []
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def run(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = latencies[index]
        while not stop.is_set():
            method, path, body, wanted = request(index)
            started = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != wanted:
                failures.append(f"{method} {path}: HTTP {response.status}")
                stop.set()
        conn.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(failures[0])
    flat = [value for values in latencies for value in values]
    return len(flat), flat


def _line(
    label: str, connections: int, done: int, seconds: float, lat: list[float], cpu: float
) -> str:
    q = statistics.quantiles(lat, n=100)
    rate = done / seconds
    target = TARGETS[label]
    verdict = (
        ""
        if connections != 8
        else f"  (target {target:.0f}/s: {'ok' if rate >= target else 'UNDER TARGET'})"
    )
    return (
        f"{label:12} {connections:3} connections  {rate:7.1f} requests/s  p50 {q[49]:6.1f} ms  "
        f"p99 {q[98]:6.1f} ms  server CPU {cpu / done * 1000:5.2f} ms/request{verdict}"
    )


def main() -> None:
    """Prepare, start daphne, drive each connection count, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    args = parser.parse_args()

    env = _environment(args.redis_url)
    plant = _prepare(env, args.samples, max(args.connections))
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="bench_concurrency_")) / "daphne.log"
    daphne = Path(sys.executable).parent / "daphne"
    server = start(
        [str(daphne), "-b", "127.0.0.1", "-p", str(port), "openspc.asgi:application"], env, log
    )
    try:
        _wait_for_port(port, server, log)
        print(f"server     daphne (openspc.settings_production, Redis, PostgreSQL), port {port}")
        chart_path = f"/api/v1/characteristics/{plant['chart']}/chart-data/"
        rng = random.Random(5)

        def chart(index: int) -> tuple[str, str, None, int]:
            return "GET", chart_path, None, 200

        def single(index: int) -> tuple[str, str, str, int]:
            body = {
                "characteristic": plant["singles"][index],
                "measurements": [round(rng.gauss(10, 1), 4)],
            }
            return "POST", "/api/v1/samples/", json.dumps(body), 201

        _drive(port, plant["token"], 2, 2.0, chart)  # warm-up: imports, caches, connections
        _drive(port, plant["token"], 2, 2.0, single)
        print(machine_line())
        for connections in args.connections:
            for label, request in (("chart-data", chart), ("single POST", single)):
                before = cpu_seconds(server.pid)
                done, latencies = _drive(port, plant["token"], connections, args.seconds, request)
                used = cpu_seconds(server.pid) - before
                print(_line(label, connections, done, args.seconds, latencies, used))
        print(machine_line())
    finally:
        stop_process(server)


if __name__ == "__main__":
    main()
