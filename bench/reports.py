"""Memory and speed of the reports on a million measurements: the streamed CSV export,
the capability study, the XLSX workbook and the PDF report.

Run: ``.venv/bin/python bench/reports.py [--measurements 1000000] [--subgroup 5]
[--phases csv,capability,xlsx,pdf] [--reuse]``; set ``DATABASE_URL`` for PostgreSQL or
a kept SQLite file (default: a throw-away SQLite file). The data are stored first (with
``--reuse``, a bench characteristic already in that database is used instead); then each
phase runs in a fresh process (so the fill's memory does not count) and prints rows, MB,
seconds and the growth of its peak RSS (VmHWM):

* ``csv``: ``/reports/export.csv?kind=measurements`` through the view, reading the
  stream chunk by chunk as a socket would, under WSGI and ASGI (target < 100 MB);
* ``capability``: the capability study of the characteristic (every measurement);
* ``xlsx``: the "report" workbook (capability, violations and subgroups sheets);
* ``pdf``: the printable PDF report of the bench node.
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
PHASES = ("csv", "capability", "xlsx", "pdf")
BENCH_NAME = "Bench bore"


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmHWM not available")


def existing_node() -> int | None:
    """The node of a bench characteristic already stored, if any."""
    from spc.models import Characteristic

    call_command("migrate", verbosity=0)
    char = Characteristic.objects.filter(name=BENCH_NAME).order_by("-id").first()
    return char.hierarchy_id if char is not None else None


def fill(measurements: int, subgroup: int) -> int:
    """Store ``measurements`` values in subgroups of ``subgroup``; returns the node id."""
    from hierarchy.models import Level, Node
    from spc.models import Characteristic, Measurement, Sample

    call_command("migrate", verbosity=0)
    root = Node.objects.create(name="Bench", code=f"bench-{time.time_ns()}", level=Level.ENTERPRISE)
    char = Characteristic.objects.create(
        hierarchy=root, name=BENCH_NAME, chart_type="XBAR_R", subgroup_size=subgroup,
        min_measurements=1, usl=11.0, lsl=9.0, sigma=0.2, unit="mm", decimal_places=2,
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
                center_line=10.0,
                ucl=10.3,
                lcl=9.7,
            )
            for i in range(first, first + count)
        )
        Measurement.objects.bulk_create(
            Measurement(sample=s, position=p, value=10.0 + ((s.pk * 7 + p * 13) % 41 - 20) / 100)
            for s in samples
            for p in range(subgroup)
        )
    return root.pk


def qa_user() -> Any:
    """A QA manager granted the whole plant (the reports' role)."""
    from django.contrib.auth.models import User

    from hierarchy.models import SiteGrant
    from hierarchy.roles import QA_MANAGER, assign_role

    user, created = User.objects.get_or_create(username="bench-reports")
    if created:
        assign_role(user, QA_MANAGER)
        SiteGrant.objects.create(user=user, node=None)
    return user


def export(node_id: int, server: str) -> None:
    """Stream the export once as ``server`` (wsgi or asgi) would; print the figures."""
    from django.http import StreamingHttpResponse
    from django.test import AsyncRequestFactory, RequestFactory

    from spc.reports.views import export_csv

    params = {"kind": "measurements", "format": "csv", "node": str(node_id)}
    factory = AsyncRequestFactory() if server == "asgi" else RequestFactory()
    request = factory.get("/reports/export.csv", params)
    request.user = qa_user()
    before = peak_rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    response = export_csv(request)
    assert isinstance(response, StreamingHttpResponse), response.status_code
    if server == "asgi":  # what django's ASGIHandler does: iterate the response asynchronously
        size, lines = asyncio.run(_consume_async(response))
    else:
        size, lines = _consume(response)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    growth = peak_rss_mb() - before
    rows = lines - 1
    print(f"[csv {server}] rows exported:   {rows:,}")
    print(f"[csv {server}] CSV size:        {size / 1e6:.1f} MB")
    print(f"[csv {server}] time:            {seconds:.1f} s ({rows / seconds:,.0f} rows/s)")
    print(f"[csv {server}] CPU time:        {cpu:.1f} s (steadier than wall time on a busy host)")
    print(f"[csv {server}] peak RSS before: {before:.1f} MB")
    print(f"[csv {server}] peak RSS growth: {growth:.1f} MB (target < {TARGET_MB:.0f} MB)")
    print(f"[csv {server}] result:          " + ("PASS" if growth < TARGET_MB else "FAIL"))


def capability(node_id: int) -> None:
    """Time the capability study of the bench characteristic (every measurement)."""
    from spc.models import Characteristic
    from spc.reports.capability_study import capability_study

    char = Characteristic.objects.get(hierarchy_id=node_id, name=BENCH_NAME)
    before = peak_rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    study = capability_study(char)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"[capability] values:          {study['n']:,} in {study['sample_count']:,} samples")
    print(f"[capability] time:            {seconds:.1f} s (CPU {cpu:.1f} s)")
    print(f"[capability] peak RSS growth: {peak_rss_mb() - before:.1f} MB")
    print(
        f"[capability] Cp, Cpk, Ppk:    {study['cp']:.3f}, {study['cpk']:.3f}, {study['ppk']:.3f}"
    )


def workbook(node_id: int) -> None:
    """Time the "report" workbook (capability, violations, subgroups sheets)."""
    from spc.reports import exports, tasks, xlsx
    from spc.reports.scope import scope_from_params

    scope = scope_from_params({"node": node_id})
    path = Path(tempfile.mkdtemp()) / "bench.xlsx"
    before = peak_rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    written = xlsx.write_workbook(path, [exports.table(k, scope) for k in tasks.WORKBOOK_TABLES])
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    rows = sum(written.values())
    print(f"[xlsx] rows written:    {rows:,} ({written})")
    print(f"[xlsx] file size:       {path.stat().st_size / 1e6:.1f} MB")
    print(
        f"[xlsx] time:            {seconds:.1f} s ({rows / seconds:,.0f} rows/s; CPU {cpu:.1f} s)"
    )
    print(f"[xlsx] peak RSS growth: {peak_rss_mb() - before:.1f} MB")
    path.unlink()


def report_pdf(node_id: int) -> None:
    """Time the printable PDF report of the bench node."""
    import io

    from pypdf import PdfReader

    from spc.reports import pdf
    from spc.reports.scope import scope_from_params

    scope = scope_from_params({"node": node_id})
    before = peak_rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    data = pdf.render_pdf(scope)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    pages = len(PdfReader(io.BytesIO(data)).pages)
    print(f"[pdf] pages, size:     {pages}, {len(data) / 1e3:.0f} kB")
    print(f"[pdf] time:            {seconds:.1f} s (CPU {cpu:.1f} s)")
    print(f"[pdf] peak RSS growth: {peak_rss_mb() - before:.1f} MB")


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


def run_phase(phase: str, node_id: int) -> None:
    """One phase, in this (fresh) process."""
    if phase == "csv-wsgi":
        export(node_id, "wsgi")
    elif phase == "csv-asgi":
        export(node_id, "asgi")
    elif phase == "capability":
        capability(node_id)
    elif phase == "xlsx":
        workbook(node_id)
    elif phase == "pdf":
        report_pdf(node_id)
    else:
        raise SystemExit(f"unknown phase {phase!r}")


def main() -> None:
    """Fill the database (or reuse it), then measure each phase in a fresh child process."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--measurements", type=int, default=1_000_000)
    parser.add_argument("--subgroup", type=int, default=5)
    parser.add_argument("--phases", default=",".join(PHASES))
    parser.add_argument("--reuse", action="store_true", help="use a bench node already stored")
    parser.add_argument("--node", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase is not None:
        run_phase(args.phase, args.node)
        return
    node_id = existing_node() if args.reuse else None
    if node_id is None:
        started = time.perf_counter()
        node_id = fill(args.measurements, args.subgroup)
        print(f"stored {args.measurements:,} measurements in {time.perf_counter() - started:.1f} s")
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    for phase in phases:
        for child in ("csv-wsgi", "csv-asgi") if phase == "csv" else (phase,):
            command = [sys.executable, __file__, "--node", str(node_id), "--phase", child]
            subprocess.run(command, check=True, env=os.environ)


if __name__ == "__main__":
    main()
