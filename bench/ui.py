"""Server-side speed of the operator UI: page render times and live fan-out latency.

Run: ``.venv/bin/python bench/ui.py [--characteristics 1000] [--points 1000] [--clients 50]
[--samples 100]``. Uses a throw-away SQLite file unless ``DATABASE_URL`` is set, and the
in-memory channel layer unless ``REDIS_URL`` is set. Prints

- the time to render the dashboard of a node with ``--characteristics`` cards
  (target < 300 ms) and a characteristic page with ``--points`` points (target < 200 ms):
  full Django request through middleware and templates, median and p95 of 20 renders;
- the time from calling ``spc.pipeline.processing.process()`` to the fragment arriving at each of
  ``--clients`` WebSocket clients watching that characteristic (target p99 < 100 ms),
  through the real ASGI application (session auth, router, consumer, channel layer).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench_ui.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openspc.settings")
os.environ.setdefault("OPENSPC_LOG_LEVEL", "WARNING")
# The fan-out's clients are one signed-in user: lift the per-user socket cap (5 by default,
# a guard against runaway tabs) so the bench measures the fan-out, not the cap.
os.environ.setdefault("OPENSPC_LIVE_CONNECTIONS_PER_USER", "1000")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from bench.measure import machine_line  # noqa: E402

RENDERS = 20
WARM_UP = 3  # samples that load the rolling window and compile templates first


def _build_plant(n_chars: int, n_points: int) -> dict[str, Any]:
    """A line with ``n_chars`` characteristics (30 samples each, some violations) and one
    characteristic with ``n_points`` samples, all bulk-inserted."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from alerts.models import Violation
    from hierarchy.models import Level, Node, SiteGrant
    from hierarchy.roles import OPERATOR, assign_role
    from spc.models import Characteristic, Sample

    stamp = time.time_ns()
    root = Node.objects.create(name="Bench", code=f"b{stamp}", level=Level.ENTERPRISE)
    site = Node.objects.create(name="Site", code="s", level=Level.SITE, parent=root)
    area = Node.objects.create(name="Area", code="a", level=Level.AREA, parent=site)
    line = Node.objects.create(name="Line", code="l", level=Level.LINE, parent=area)
    limits = {"center_line": 10.0, "ucl": 13.0, "lcl": 7.0, "sigma": 1.0}
    chars = Characteristic.objects.bulk_create(
        Characteristic(hierarchy=line, name=f"c{i}", unit="mm", usl=14.0, lsl=6.0, **limits)
        for i in range(n_chars)
    )
    rng = random.Random(3)
    now = timezone.now()

    def sample(char: Characteristic, i: int, count: int) -> Sample:
        value = rng.gauss(10.0, 1.0)
        return Sample(
            characteristic=char,
            timestamp=now - timedelta(minutes=count - i),
            source="MANUAL",
            actual_n=1,
            value=value,
            mean=value,
            secondary_value=abs(rng.gauss(0, 1)),
            z_score=value - 10.0,
            **{k: v for k, v in limits.items() if k != "sigma"},
        )

    Sample.objects.bulk_create(
        (sample(c, i, 30) for c in chars for i in range(30)), batch_size=5000
    )
    chart_char = Characteristic.objects.create(
        hierarchy=line, name="chart", unit="mm", usl=14.0, lsl=6.0, **limits
    )
    Sample.objects.bulk_create(
        (sample(chart_char, i, n_points) for i in range(n_points)), batch_size=5000
    )
    flagged = list(Sample.objects.filter(characteristic__in=chars[::10]).order_by("id")[::30])
    flagged += list(Sample.objects.filter(characteristic=chart_char).order_by("id")[::50])
    Violation.objects.bulk_create(
        Violation(sample=s, characteristic_id=s.characteristic_id, rule=1, severity="CRITICAL")
        for s in flagged
    )
    user = User.objects.create_user(f"bench{stamp}", password="x")
    assign_role(user, OPERATOR)  # an operator's tablet, seeing the whole plant
    SiteGrant.objects.create(user=user, node=None)
    return {"line": line, "chart_char": chart_char, "user": user, "fanout": chars[0]}


def _render_times(client: Any, url: str) -> tuple[float, list[float], list[float]]:
    """(first render ms, wall ms of RENDERS more, CPU ms of the same)."""
    t0 = time.perf_counter()
    client.get(url)
    first = (time.perf_counter() - t0) * 1000
    wall, cpu = [], []
    for _ in range(RENDERS):
        t0, c0 = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        assert response.status_code == 200, response.status_code
    return first, wall, cpu


async def _fanout(
    char_id: int, cookie: bytes, clients: int, samples: int
) -> dict[str, list[float]]:
    """Latencies in ms: from calling process() to each client holding the fragment
    (``total``), from process() returning to arrival (``after_return``), and of process()
    itself (``process``)."""
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator

    from openspc.asgi import application
    from openspc.gc_tuning import freeze_startup_objects
    from spc.pipeline.processing import SubgroupInput, process

    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost"), (b"cookie", cookie)]
    sockets = [
        WebsocketCommunicator(application, f"/ws/live/?char={char_id}", headers=headers)
        for _ in range(clients)
    ]
    for ws in sockets:
        connected, _ = await ws.connect(timeout=10)
        assert connected
    # One long-lived thread and connection, as the ingest worker has (database_sync_to_async
    # would reconnect to the database for every call).
    store = sync_to_async(process, thread_sensitive=True)
    rng = random.Random(5)
    total: list[float] = []
    after: list[float] = []
    stored: list[float] = []

    async def arrival(ws: WebsocketCommunicator) -> float:
        frame = await ws.receive_from(timeout=10)
        assert "chart-point-" in frame, frame[:300]
        return time.perf_counter()

    freeze_startup_objects()  # as the server does once its application is built
    for i in range(WARM_UP + samples):
        waiting = [asyncio.create_task(arrival(ws)) for ws in sockets]
        t0 = time.perf_counter()
        await store(SubgroupInput(characteristic_id=char_id, measurements=(rng.gauss(10, 1),)))
        t1 = time.perf_counter()
        arrived = await asyncio.gather(*waiting)
        if i >= WARM_UP:
            total += [(t - t0) * 1000 for t in arrived]
            after += [max(0.0, t - t1) * 1000 for t in arrived]
            stored.append((t1 - t0) * 1000)
    for ws in sockets:
        await ws.disconnect()
    return {"total": total, "after_return": after, "process": stored}


def _line(label: str, measured: tuple[float, list[float], list[float]], target: float) -> str:
    first, wall, cpu = measured
    q = statistics.quantiles(wall, n=100)
    verdict = "ok" if q[49] < target else "OVER TARGET"
    return (
        f"{label:<36} median {q[49]:6.1f} ms  p95 {q[94]:6.1f} ms  "
        f"CPU median {statistics.median(cpu):6.1f} ms  first {first:6.1f} ms  "
        f"(target {target:.0f}: {verdict})"
    )


def main() -> None:
    """Build the data, time the pages and the fan-out, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--characteristics", type=int, default=1000)
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--samples", type=int, default=100)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    from channels.layers import get_channel_layer
    from django.test import Client

    built = _build_plant(args.characteristics, args.points)
    client = Client()
    client.force_login(built["user"])
    print(f"database   {django.db.connection.vendor}")
    print(f"channels   {type(get_channel_layer()).__name__}")
    client.get("/")  # the process's first request imports views and compiles templates
    dashboard = _render_times(client, f"/nodes/{built['line'].pk}/")
    chart = _render_times(
        client, f"/chars/{built['chart_char'].pk}/?range=latest&points={args.points}"
    )
    print(machine_line())
    print(_line(f"dashboard, {args.characteristics + 1} cards", dashboard, 300))
    print(_line(f"characteristic page, {args.points} points", chart, 40))

    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    measured = asyncio.run(_fanout(built["fanout"].pk, cookie, args.clients, args.samples))
    q = statistics.quantiles(measured["total"], n=100)
    window = settings.OPENSPC_LIVE_COALESCE_MS
    verdict = "ok" if q[98] < 100 + window else "OVER TARGET"
    print(
        f"fan-out to {args.clients} clients over {args.samples} samples, "
        f"process() call -> fragment: p50 {q[49]:.1f} ms  p99 {q[98]:.1f} ms  "
        f"max {max(measured['total']):.1f} ms (includes the {window} ms coalescing window "
        f"of a calm page; target p99 100 + {window}: {verdict})"
    )
    a = statistics.quantiles(measured["after_return"], n=100)
    p = statistics.quantiles(measured["process"], n=100)
    print(
        f"  of which process() itself p50 {p[49]:.1f} ms  p99 {p[98]:.1f} ms; "
        f"after it returned p50 {a[49]:.1f} ms  p99 {a[98]:.1f} ms"
    )


if __name__ == "__main__":
    main()
