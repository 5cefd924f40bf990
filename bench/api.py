"""Speed of the REST API through the full stack: daphne over HTTP, one keep-alive client.

Run: ``.venv/bin/python bench/api.py [--singles 1000] [--bulk-requests 10]
[--bulk-size 1000] [--subgroup 5] [--chart-requests 100]``.

Starts daphne in a subprocess on the embedded default (a throw-away SQLite file in WAL
mode, the in-memory channel layer, no broker; ``DATABASE_URL`` is honoured when set),
creates a user with a token and two characteristics with limits, and prints:

- single submissions: sequential ``POST /api/v1/samples/`` of one I-MR value each, from
  one client: requests per second and p50/p99 latency (target >= 300/s);
- bulk submissions: ``POST /api/v1/samples/`` of lists of ``--bulk-size`` X-bar/R
  subgroups of ``--subgroup`` values: measurements per second (target >= 20,000/s);
- chart data: ``GET /api/v1/characteristics/{id}/chart-data/`` of the characteristic the
  bulk step filled (``--bulk-requests`` x ``--bulk-size`` samples, 10,000 by default), with
  the default 500 points: p50/p99 latency (target p99 < 150 ms), and with 5,000 points.

Latency is measured at the client (``http.client``), so it includes HTTP parsing, the
ASGI handler's thread hop, authentication, the pipeline and the database commit.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK_DIR = Path(tempfile.mkdtemp(prefix="bench_api_"))
if not os.environ.get("DATABASE_URL"):
    os.environ["OPENSPC_SQLITE_PATH"] = str(WORK_DIR / "bench_api.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openspc.settings")
os.environ.setdefault("OPENSPC_LOG_LEVEL", "WARNING")
# As a plant runs it: DEBUG keeps every query's SQL in memory and renders debug pages.
os.environ.setdefault("OPENSPC_DEBUG", "0")
# The per-user API throttle (6000/minute by default) would cap a fast run: measure the
# stack, not the throttle (its cache lookups still run on every request).
os.environ.setdefault("OPENSPC_API_RATE_USER", "10000000/minute")

import django  # noqa: E402  (after the environment is set)

django.setup()

from django.core.management import call_command  # noqa: E402

from bench.measure import analyze, cpu_seconds, machine_line  # noqa: E402

WARM_UP = 20  # requests before timing: window load, imports, first queries
SERVER_START_TIMEOUT = 60.0


@dataclass
class Setup:
    """What the server needs to be driven: token and characteristic ids."""

    token: str
    single_id: int
    bulk_id: int


def _prepare(subgroup: int) -> Setup:
    """Migrate, then create an operator (whole plant) with a hashed API token, as an
    external tool would use, and two characteristics with limits."""
    from django.contrib.auth.models import User

    from hierarchy.models import ApiToken, Level, Node, SiteGrant
    from hierarchy.roles import OPERATOR, assign_role
    from spc.models import Characteristic

    call_command("migrate", verbosity=0)
    stamp = time.time_ns()
    root = Node.objects.create(name="Bench", code=f"api{stamp}", level=Level.ENTERPRISE)
    site = Node.objects.create(name="Site", code="s", level=Level.SITE, parent=root)
    single = Characteristic.objects.create(
        hierarchy=site, name="single", chart_type="I_MR", center_line=10.0, ucl=13.0,
        lcl=7.0, sigma=1.0,
    )  # fmt: skip
    half_width = 3 / subgroup**0.5
    bulk = Characteristic.objects.create(
        hierarchy=site, name="bulk", chart_type="XBAR_R", subgroup_size=subgroup,
        min_measurements=subgroup, center_line=10.0, ucl=10.0 + half_width,
        lcl=10.0 - half_width, sigma=1.0,
    )  # fmt: skip
    user = User.objects.create_user(f"bench{stamp}", password="bench-pass-1")
    assign_role(user, OPERATOR)
    SiteGrant.objects.create(user=user, node=None)  # the whole plant
    _, key = ApiToken.issue(user, "bench")
    django.db.connections.close_all()
    return Setup(token=key, single_id=single.pk, bulk_id=bulk.pk)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(port: int, log: Path) -> subprocess.Popen[bytes]:
    """daphne on ``port`` with this process's environment; returns once it accepts."""
    daphne = Path(sys.executable).parent / "daphne"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(daphne), "-b", "127.0.0.1", "-p", str(port), "openspc.asgi:application"],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"daphne exited with {server.returncode}:\n{log.read_text()}")
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.1)  # polling a port: there is no event to wait on
    server.kill()
    raise SystemExit(f"daphne did not listen within {SERVER_START_TIMEOUT:.0f} s")


class Client:
    """One persistent HTTP/1.1 connection with token authentication."""

    def __init__(self, port: int, token: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any, float]:
        """(status, parsed JSON body, latency in ms) of one request."""
        payload = json.dumps(body) if body is not None else None
        started = time.perf_counter()
        self.connection.request(method, path, body=payload, headers=self.headers)
        response = self.connection.getresponse()
        raw = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        return response.status, json.loads(raw) if raw else None, elapsed


def _percentiles(latencies: list[float]) -> str:
    q = statistics.quantiles(latencies, n=100)
    return f"p50 {q[49]:6.2f} ms  p99 {q[98]:6.2f} ms  max {max(latencies):6.2f} ms"


def _expect(status: int, wanted: int, body: Any) -> None:
    if status != wanted:
        raise SystemExit(f"expected HTTP {wanted}, got {status}: {str(body)[:500]}")


def bench_singles(client: Client, char_id: int, count: int, pid: int) -> None:
    """Sequential one-value submissions; prints requests/s and latency percentiles."""
    rng = random.Random(11)
    for _ in range(WARM_UP):
        status, body, _ = client.call(
            "POST", "/api/v1/samples/", {"characteristic": char_id, "measurements": [10.0]}
        )
        _expect(status, 201, body)
    latencies = []
    violations = 0
    cpu = cpu_seconds(pid)
    started = time.perf_counter()
    for _ in range(count):
        item = {"characteristic": char_id, "measurements": [round(rng.gauss(10.0, 1.0), 4)]}
        status, body, elapsed = client.call("POST", "/api/v1/samples/", item)
        _expect(status, 201, body)
        latencies.append(elapsed)
        violations += len(body["violations"])
    wall = time.perf_counter() - started
    cpu = cpu_seconds(pid) - cpu
    rate = count / wall
    verdict = "ok" if rate >= 300 else "UNDER TARGET"
    print(
        f"single POST, {count} sequential      {rate:8.0f} requests/s  "
        f"{_percentiles(latencies)}  server CPU {cpu / count * 1000:.2f} ms/request  "
        f"({violations} violations; target 300/s: {verdict})"
    )


def bench_bulk(
    client: Client, char_id: int, requests: int, size: int, subgroup: int, pid: int
) -> None:
    """Lists of ``size`` subgroups per request; prints measurements/s and server CPU."""
    rng = random.Random(13)
    latencies = []
    stored = 0
    cpu = cpu_seconds(pid)
    started = time.perf_counter()
    for _ in range(requests):
        items = [
            {
                "characteristic": char_id,
                "measurements": [round(rng.gauss(10.0, 1.0), 4) for _ in range(subgroup)],
            }
            for _ in range(size)
        ]
        status, body, elapsed = client.call("POST", "/api/v1/samples/", items)
        _expect(status, 200, body)
        failed = [r for r in body if r["status"] != 201]
        if failed:
            raise SystemExit(f"{len(failed)} bulk items refused, first: {failed[0]}")
        stored += len(body)
        latencies.append(elapsed)
    wall = time.perf_counter() - started
    cpu = cpu_seconds(pid) - cpu
    rate = stored * subgroup / wall
    verdict = "ok" if rate >= 20_000 else "UNDER TARGET"
    print(
        f"bulk POST, {requests} x {size} subgroups of {subgroup}  {rate:8.0f} measurements/s  "
        f"server CPU {cpu / (stored * subgroup) * 1e6:.1f} us/measurement  "
        f"({stored / wall:.0f} subgroups/s, {statistics.median(latencies):.0f} ms per "
        f"request; target 20,000/s: {verdict})"
    )


def bench_chart_data(
    client: Client, char_id: int, requests: int, points: int | None, pid: int
) -> None:
    """Repeated chart-data reads; prints latency percentiles and server CPU per request."""
    path = f"/api/v1/characteristics/{char_id}/chart-data/"
    if points is not None:
        path += f"?limit={points}"
    latencies = []
    for _ in range(3):  # warm-up
        status, body, _ = client.call("GET", path)
        _expect(status, 200, body)
    cpu = cpu_seconds(pid)
    for _ in range(requests):
        status, body, elapsed = client.call("GET", path)
        _expect(status, 200, body)
        latencies.append(elapsed)
    cpu = cpu_seconds(pid) - cpu
    shown = len(body["points"])
    q = statistics.quantiles(latencies, n=100)
    verdict = "ok" if q[98] < 150 else "OVER TARGET"
    print(
        f"GET chart-data, {shown} points shown      {_percentiles(latencies)}  "
        f"server CPU {cpu / requests * 1000:.2f} ms/request  (target p99 150 ms: {verdict})"
    )


def main() -> None:
    """Prepare the database, start daphne, run the three measurements, stop daphne."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--singles", type=int, default=1000)
    parser.add_argument("--bulk-requests", type=int, default=10)
    parser.add_argument("--bulk-size", type=int, default=1000)
    parser.add_argument("--subgroup", type=int, default=5)
    parser.add_argument("--chart-requests", type=int, default=100)
    args = parser.parse_args()

    setup = _prepare(args.subgroup)
    from django.conf import settings

    port = _free_port()
    log = WORK_DIR / "daphne.log"
    server = _start_server(port, log)
    try:
        client = Client(port, setup.token)
        print(f"server     daphne (subprocess), HTTP/1.1 keep-alive, one client, port {port}")
        print(
            f"database   {django.db.connection.vendor}  DEBUG={settings.DEBUG}  "
            f"user throttle {os.environ['OPENSPC_API_RATE_USER']}"
        )
        print(machine_line())
        pid = server.pid
        bench_singles(client, setup.single_id, args.singles, pid)
        bench_bulk(client, setup.bulk_id, args.bulk_requests, args.bulk_size, args.subgroup, pid)
        print(analyze())
        samples = args.bulk_requests * args.bulk_size
        print(f"chart-data characteristic holds {samples} samples")
        bench_chart_data(client, setup.bulk_id, args.chart_requests, None, pid)
        bench_chart_data(client, setup.bulk_id, max(20, args.chart_requests // 5), 5000, pid)
        print(machine_line())
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
