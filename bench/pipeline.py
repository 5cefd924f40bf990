"""Throughput and latency of ``spc.pipeline.processing.process`` against a real database.

Run: ``.venv/bin/python bench/pipeline.py [--samples 2000] [--characteristics 20]``; set
``DATABASE_URL`` for PostgreSQL (default: a throw-away SQLite file). Prints samples per
second, p50/p95/p99 latency in milliseconds, window-cache reloads and peak RSS.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openspc.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from bench.measure import analyze, machine_line  # noqa: E402


def main() -> None:
    """Create characteristics, feed samples round-robin and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--characteristics", type=int, default=20)
    parser.add_argument("--subgroup", type=int, default=5)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    from hierarchy.models import Level, Node
    from spc.models import Characteristic
    from spc.pipeline.processing import SubgroupInput, process
    from spc.pipeline.windows import windows

    root, _ = Node.objects.get_or_create(name="Bench", code="bench", level=Level.ENTERPRISE)
    site, _ = Node.objects.get_or_create(name="Site", code="s", level=Level.SITE, parent=root)
    chars = [
        Characteristic.objects.create(
            hierarchy=site,
            name=f"bench-{time.time_ns()}-{i}",
            chart_type="XBAR_R",
            subgroup_size=args.subgroup,
            min_measurements=args.subgroup,
            center_line=10.0,
            ucl=10.0 + 3 / args.subgroup**0.5,
            lcl=10.0 - 3 / args.subgroup**0.5,
            sigma=1.0,
        )
        for i in range(args.characteristics)
    ]
    planner = analyze()
    rng = random.Random(7)
    latencies = []
    violations = 0
    cpu = time.process_time()
    started = time.perf_counter()
    for i in range(args.samples):
        char = chars[i % len(chars)]
        values = tuple(rng.gauss(10.0, 1.0) for _ in range(args.subgroup))
        t0 = time.perf_counter()
        result = process(SubgroupInput(characteristic_id=char.pk, measurements=values))
        latencies.append((time.perf_counter() - t0) * 1000)
        violations += len(result.violations)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    q = statistics.quantiles(latencies, n=100)
    engine = django.db.connection.vendor
    print(f"database           {engine}")
    print(
        f"samples            {args.samples} over {args.characteristics} "
        f"characteristics, n={args.subgroup}"
    )
    print(
        f"throughput         {args.samples / elapsed:,.0f} samples/s (one thread), "
        f"CPU {cpu / args.samples * 1e6:.0f} us per sample (database server excluded)"
    )
    print(f"latency p50/p95/p99 {q[49]:.2f} / {q[94]:.2f} / {q[98]:.2f} ms")
    print(f"violations stored  {violations}")
    print(f"window reloads     {windows.loads}")
    print(f"peak RSS           {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(machine_line())
    print(planner)


if __name__ == "__main__":
    main()
