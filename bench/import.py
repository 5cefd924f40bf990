# ruff: noqa: N999  (the issue names the file bench/import.py; it is run, never imported)
"""Historical import and late samples: rows per second, peak memory, the cost of a late insert.

Run: ``.venv/bin/python bench/import.py [--rows 1000000] [--characteristics 10]``; set
``DATABASE_URL`` for PostgreSQL (default: a throw-away SQLite file). Writes a CSV
(semicolon, decimal comma, times with an offset, the characteristic by name, in time
order), scans it (the preview pass) and imports it through the import job, then prints rows
per second of each pass and the peak RSS growth of the import over the process's RSS before
it (targets: >= 20,000 rows/s on PostgreSQL, growth < 150 MB for 1,000,000 rows). Then
stores ``--window`` samples on one characteristic and times single late inserts
``--back`` samples before the newest (median of ``--late`` tries) beside in-order ones.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openspc.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from bench.measure import analyze, machine_line  # noqa: E402


def _status(field: str) -> int:
    """A ``/proc/self/status`` figure in kB (VmRSS, VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _children_cpu() -> float:
    """CPU seconds of this process's children that have ended (the lane processes)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _lane_process_rss() -> float:
    """RSS in MB of an import lane process that is set up and has stored an empty batch."""
    from ingest.imports.lane_process import LaneProcesses

    with LaneProcesses(1) as children:
        child = children.for_this_thread()
        child.store([], "imp:bench:", None)
        status = Path(f"/proc/{child.process.pid}/status").read_text()
    return int(next(x for x in status.splitlines() if x.startswith("VmRSS:")).split()[1]) / 1024


def _reset_peak() -> None:
    """Reset VmHWM to the current RSS (Linux >= 4.0)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def write_long_csv(path: Path, rows: int, names: list[str], values: int, start: datetime) -> None:
    """A semicolon CSV with a decimal comma, one row per measurement, ``values`` rows with
    one subgroup key per subgroup, in time order."""
    rng = random.Random(7)
    with path.open("w", encoding="utf-8") as out:
        out.write("Zeit;Merkmal;Stichprobe;Wert;Charge\n")
        for i in range(rows // values):
            stamp = (start + timedelta(seconds=i)).isoformat(timespec="seconds")
            name = names[i % len(names)]
            for _ in range(values):
                value = f"{rng.gauss(10.0, 1.0):.3f}".replace(".", ",")
                out.write(f"{stamp};{name};S{i};{value};B{i // 5000}\n")


def write_csv(path: Path, rows: int, names: list[str], values: int, start: datetime) -> None:
    """A semicolon CSV with a decimal comma, one row per subgroup, in time order."""
    rng = random.Random(7)
    header = ";".join(["Zeit", "Merkmal", *(f"x{i + 1}" for i in range(values)), "Charge"])
    with path.open("w", encoding="utf-8") as out:
        out.write(header + "\n")
        for i in range(rows):
            stamp = (start + timedelta(seconds=i)).isoformat(timespec="seconds")
            cells = ";".join(f"{rng.gauss(10.0, 1.0):.3f}".replace(".", ",") for _ in range(values))
            out.write(f"{stamp};{names[i % len(names)]};{cells};B{i // 5000}\n")


class _StatementTimer:
    """Wall time of each kind of SQL statement (its first words) on every connection."""

    def __init__(self) -> None:
        from django.db import connections
        from django.db.backends.signals import connection_created

        self.spent: dict[str, list[float]] = {}
        self.guard = threading.Lock()
        for conn in connections.all():
            conn.execute_wrappers.append(self)
        connection_created.connect(self.attach, weak=False)

    def attach(self, sender: object, connection: Any, **kwargs: object) -> None:
        connection.execute_wrappers.append(self)

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = " ".join(sql.split()[:4])[:60]
            with self.guard:
                entry = self.spent.setdefault(kind, [0, 0.0])
                entry[0] += 1
                entry[1] += time.perf_counter() - t0

    def report(self, rows: int) -> None:
        print("statements         wall us per row, count, kind (all connections)")
        for kind, (count, spent) in sorted(self.spent.items(), key=lambda kv: -kv[1][1])[:12]:
            print(f"  {spent * 1e6 / rows:7.1f} {count:6d}  {kind}")


def bench_import(args: argparse.Namespace) -> None:
    """Generate, scan and import the file; print the figures."""
    from hierarchy.models import Level, Node
    from ingest.imports import runner, services
    from ingest.imports.lane_process import use_processes
    from ingest.imports.lanes import lane_count
    from ingest.imports.models import ImportState
    from spc.models import Characteristic

    root, _ = Node.objects.get_or_create(name="Bench", code="bench", level=Level.ENTERPRISE)
    site, _ = Node.objects.get_or_create(name="Site", code="s", level=Level.SITE, parent=root)
    tag = time.time_ns()
    chars = [
        Characteristic.objects.create(
            hierarchy=site,
            name=f"import-{tag}-{i}",
            chart_type="I_MR" if args.values == 1 else "XBAR_R",
            subgroup_size=args.values,
            min_measurements=args.values,
            center_line=10.0,
            ucl=10.0 + 3 / args.values**0.5,
            lcl=10.0 - 3 / args.values**0.5,
            sigma=1.0,
        )
        for i in range(args.characteristics)
    ]
    folder = Path(tempfile.mkdtemp())
    path = folder / "history.csv"
    start = datetime.now(UTC) - timedelta(seconds=args.rows + 86_400)
    t0 = time.perf_counter()
    writer = write_long_csv if args.layout == "long" else write_csv
    writer(path, args.rows, [c.name for c in chars], args.values, start)
    print(
        f"file               {args.rows} rows, {path.stat().st_size / 2**20:.1f} MB "
        f"(written in {time.perf_counter() - t0:.1f} s)"
    )
    mapping: dict[str, object] = {
        "timestamp_column": "Zeit",
        "characteristic_column": "Merkmal",
        "value_columns": [f"x{i + 1}" for i in range(args.values)],
        "batch_column": "Charge",
    }
    if args.layout == "long":
        mapping.pop("value_columns")
        mapping.update(layout="long", value_column="Wert", subgroup_column="Stichprobe")
    settings.OPENSPC_IMPORTS_DIR = str(folder)  # uploads kept beside the file
    rss_before = _status("VmRSS")
    _reset_peak()
    t0 = time.perf_counter()
    record, found = services.from_path(path, mapping)
    scan_s = time.perf_counter() - t0
    timer = _StatementTimer() if args.statements else None
    t0, cpu0, child0 = time.perf_counter(), time.process_time(), _children_cpu()
    record = runner.run(record)
    import_s, import_cpu = time.perf_counter() - t0, time.process_time() - cpu0
    child_cpu = _children_cpu() - child0
    if timer is not None:
        timer.report(args.rows)
    growth_mb = (_status("VmHWM") - rss_before) / 1024
    assert record.state == ImportState.DONE, record.message
    print(
        f"scan (preview)     {scan_s:.1f} s, {args.rows / scan_s:,.0f} rows/s, "
        f"{found.problem_count} problems"
    )
    print(
        f"import job         {import_s:.1f} s, {args.rows / import_s:,.0f} rows/s "
        f"({record.stored} stored, {record.violations} violations)"
    )
    children = use_processes(record.rows_total, lane_count())
    print(
        f"import CPU         {import_cpu * 1e6 / args.rows:.0f} us of this process per row "
        f"+ {child_cpu * 1e6 / args.rows:.0f} us of lane processes ({lane_count()} lanes, "
        f"{'processes' if children else 'threads'})"
    )
    print(f"scan + import      {args.rows / (scan_s + import_s):,.0f} rows/s")
    print(f"peak RSS growth    {growth_mb:.0f} MB (RSS before {rss_before / 1024:.0f} MB)")
    if children:
        child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        set_up_mb = _lane_process_rss()
        print(
            f"lane processes     {child_mb:.0f} MB peak RSS (the largest), {set_up_mb:.0f} MB "
            f"of it once Django is set up: growth {child_mb - set_up_mb:.0f} MB each"
        )
    t0 = time.perf_counter()
    again = runner.run(record)
    print(
        f"re-import          {time.perf_counter() - t0:.1f} s, {again.stored} stored, "
        f"{again.replayed} replayed"
    )
    path.unlink()


def bench_late(args: argparse.Namespace) -> None:
    """Time single late inserts ``--back`` samples before the newest of a ``--window`` series."""
    from hierarchy.models import Level, Node
    from spc.models import Characteristic, Sample
    from spc.pipeline.processing import SubgroupInput, process, process_many

    site = Node.objects.get(code="s", level=Level.SITE)
    char = Characteristic.objects.create(
        hierarchy=site,
        name=f"late-{time.time_ns()}",
        chart_type="I_MR",
        center_line=10.0,
        ucl=13.0,
        lcl=7.0,
        sigma=1.0,
        late_horizon=max(args.back * 2, 1000),
    )
    rng = random.Random(11)
    start = datetime.now(UTC) - timedelta(days=30)
    for first in range(0, args.window, 2000):
        process_many(
            [
                SubgroupInput(
                    characteristic_id=char.pk,
                    measurements=(rng.gauss(10.0, 1.0),),
                    timestamp=start + timedelta(minutes=i),
                )
                for i in range(first, min(first + 2000, args.window))
            ]
        )
    print(analyze(["spc_sample", "spc_measurement", "alerts_violation"]))
    late_ms, order_ms = [], []
    newest = start + timedelta(minutes=args.window)
    for attempt in range(args.late):
        back = args.window - args.back + attempt  # between two stored samples, --back before
        stamp = start + timedelta(minutes=back - 1, seconds=30)
        t0 = time.perf_counter()
        result = process(
            SubgroupInput(characteristic_id=char.pk, measurements=(10.5,), timestamp=stamp)
        )
        late_ms.append((time.perf_counter() - t0) * 1000)
        assert result.sample.arrival == "LATE"
        t0 = time.perf_counter()
        process(
            SubgroupInput(
                characteristic_id=char.pk,
                measurements=(10.0,),
                timestamp=newest + timedelta(seconds=attempt),
            )
        )
        order_ms.append((time.perf_counter() - t0) * 1000)
    count = Sample.objects.filter(characteristic=char).count()
    print(
        f"late insert        {statistics.median(late_ms):.1f} ms median of {args.late} "
        f"({args.back} samples back in a {count}-sample series; min "
        f"{min(late_ms):.1f}, max {max(late_ms):.1f})"
    )
    print(
        f"in-order insert    {statistics.median(order_ms):.1f} ms median (same series, "
        "each one after a late insert: its window is rebuilt)"
    )


def main() -> None:
    """Parse the options and run both benches."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--characteristics", type=int, default=10)
    parser.add_argument("--values", type=int, default=1, help="measurements per subgroup")
    parser.add_argument(
        "--layout", choices=["wide", "long"], default="wide", help="long: a row per measurement"
    )
    parser.add_argument(
        "--statements", action="store_true", help="print the wall time of each kind of SQL"
    )
    parser.add_argument("--window", type=int, default=10_000)
    parser.add_argument("--back", type=int, default=100)
    parser.add_argument("--late", type=int, default=9)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    print(f"database           {django.db.connection.vendor}")
    print(machine_line())
    bench_import(args)
    bench_late(args)


if __name__ == "__main__":
    main()
