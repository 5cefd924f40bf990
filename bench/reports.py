"""Memory and speed of the streamed CSV export of a million measurements.

Run: ``.venv/bin/python bench/reports.py [--measurements 1000000] [--subgroup 5]``; set
``DATABASE_URL`` for PostgreSQL (default: a throw-away SQLite file). The data are stored
first; then a fresh process (so the fill's memory does not count) downloads
``/reports/export.csv?kind=measurements`` through the Django test client, reading the
stream chunk by chunk as a socket would, and prints rows, MB, seconds, rows per second
and the growth of its peak RSS (VmHWM) during the export. The target is under 100 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench_reports.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openspc.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

TARGET_MB = 100.0
BATCH = 20_000


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmHWM not available")


def fill(measurements: int, subgroup: int) -> int:
    """Store ``measurements`` values in subgroups of ``subgroup``; returns the node id."""
    from hierarchy.models import Level, Node
    from spc.models import Characteristic, Measurement, Sample

    call_command("migrate", verbosity=0)
    root = Node.objects.create(name="Bench", code=f"bench-{time.time_ns()}", level=Level.ENTERPRISE)
    char = Characteristic.objects.create(
        hierarchy=root, name="Bench bore", chart_type="XBAR_R", subgroup_size=subgroup,
        min_measurements=1, usl=11.0, lsl=9.0, sigma=0.2,
    )  # fmt: skip
    start = datetime(2026, 1, 1, tzinfo=UTC)
    n_samples = measurements // subgroup
    for first in range(0, n_samples, BATCH // subgroup):
        count = min(BATCH // subgroup, n_samples - first)
        samples = Sample.objects.bulk_create(
            Sample(
                characteristic=char,
                timestamp=start + timedelta(seconds=i),
                source="IMPORT",
                actual_n=subgroup,
                value=10.0,
                mean=10.0,
            )
            for i in range(first, first + count)
        )
        Measurement.objects.bulk_create(
            Measurement(sample=s, position=p, value=10.0 + ((s.pk * 7 + p * 13) % 41 - 20) / 100)
            for s in samples
            for p in range(subgroup)
        )
    return root.pk


def export(node_id: int, server: str) -> None:
    """Stream the export once as ``server`` (wsgi or asgi) would; print the figures."""
    from django.contrib.auth.models import User
    from django.http import StreamingHttpResponse
    from django.test import AsyncRequestFactory, RequestFactory

    from spc.reports.views import export_csv

    user, _ = User.objects.get_or_create(username="bench-reports")
    params = {"kind": "measurements", "format": "csv", "node": str(node_id)}
    factory = AsyncRequestFactory() if server == "asgi" else RequestFactory()
    request = factory.get("/reports/export.csv", params)
    request.user = user
    before = peak_rss_mb()
    started = time.perf_counter()
    response = export_csv(request)
    assert isinstance(response, StreamingHttpResponse), response.status_code
    if server == "asgi":  # what django's ASGIHandler does: iterate the response asynchronously
        size, lines = asyncio.run(_consume_async(response))
    else:
        size, lines = _consume(response)
    seconds = time.perf_counter() - started
    growth = peak_rss_mb() - before
    rows = lines - 1
    print(f"[{server}] rows exported:   {rows:,}")
    print(f"[{server}] CSV size:        {size / 1e6:.1f} MB")
    print(f"[{server}] time:            {seconds:.1f} s ({rows / seconds:,.0f} rows/s)")
    print(f"[{server}] peak RSS before: {before:.1f} MB")
    print(f"[{server}] peak RSS growth: {growth:.1f} MB (target < {TARGET_MB:.0f} MB)")
    print(f"[{server}] result:          " + ("PASS" if growth < TARGET_MB else "FAIL"))


def _consume(response: Any) -> tuple[int, int]:
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    return size, lines


async def _consume_async(response: Any) -> tuple[int, int]:
    size = lines = 0
    async for chunk in response:
        size += len(chunk)
        lines += chunk.count(b"\n")
    return size, lines


def main() -> None:
    """Fill the database, then measure the export in fresh child processes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--measurements", type=int, default=1_000_000)
    parser.add_argument("--subgroup", type=int, default=5)
    parser.add_argument("--export-node", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--server", choices=("wsgi", "asgi"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_node is not None:
        export(args.export_node, args.server)
        return
    started = time.perf_counter()
    node_id = fill(args.measurements, args.subgroup)
    print(f"stored {args.measurements:,} measurements in {time.perf_counter() - started:.1f} s")
    for server in ("wsgi", "asgi"):
        command = [sys.executable, __file__, "--export-node", str(node_id), "--server", server]
        subprocess.run(command, check=True, env=os.environ)


if __name__ == "__main__":
    main()
