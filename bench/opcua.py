"""End-to-end OPC UA ingest: one server with 1,000 monitored nodes → committed samples.

Run: ``.venv/bin/python bench/opcua.py [--nodes 1000] [--rounds 20] [--rate 2000]
[--seconds 10] [--publishing-ms 200]``; set ``DATABASE_URL`` for PostgreSQL (default: a
throw-away SQLite file, the embedded default). The server (``bench/opcua_server.py``) is
another process, as the machine is another host; the worker
(``ingest.opcua.worker.OpcUaWorker``, what ``manage.py ingest_opcua`` runs) is in this
process, so its commits can be timed.

1. warm-up (untimed): one value per node, which loads the rolling windows;
2. sustained: the server writes every node ``--rounds`` times as fast as it can; prints
   values per second from the first source timestamp to the last commit, and the worker
   process's CPU time per value (steadier than the rate on a busy machine);
3. paced: ``--rate`` values per second for ``--seconds``; prints the latency from each
   value's source timestamp (set by the server when it wrote the value) to the commit of
   its sample, p50 and p99.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openspc.settings")
os.environ.setdefault("OPENSPC_DEBUG", "0")

import django  # noqa: E402  (after the environment is set)

django.setup()

from django.core.management import call_command  # noqa: E402

from ingest.opcua.readings import OpcUaValue, timestamp_of  # noqa: E402
from ingest.opcua.worker import OpcUaOptions, OpcUaWorker  # noqa: E402
from ingest.operations import BatchOutcome  # noqa: E402
from ingest.tests.opcua_server import free_port  # noqa: E402
from spc.pipeline import events  # noqa: E402


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered)) - 1))
    return ordered[rank]


class TimedWorker(OpcUaWorker):
    """The worker, recording each value's source time and its batch's commit time."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timings: list[tuple[float, float]] = []
        self.arrivals: list[float] = []
        self.stored = 0
        self.batches: list[tuple[int, float]] = []

    def process_batch(self, batch: list[OpcUaValue]) -> BatchOutcome:
        started = time.perf_counter()
        outcome = super().process_batch(batch)
        self.batches.append((len(batch), time.perf_counter() - started))
        for item in batch:
            stamp = timestamp_of(item)
            if stamp is not None:
                self.timings.append((stamp.timestamp(), outcome.committed_at))
                self.arrivals.append(item.received - stamp.timestamp())
        self.stored += outcome.samples
        return outcome


def command(server: subprocess.Popen[str], line: str) -> list[int]:
    """Send a command to the server process; the returned list gets the number of values
    it wrote when it is done (read in a thread, so the worker keeps working meanwhile)."""
    assert server.stdin is not None
    assert server.stdout is not None
    server.stdin.write(line + "\n")
    server.stdin.flush()
    written: list[int] = []
    stdout = server.stdout

    def read() -> None:
        answer = stdout.readline().split()
        assert answer, "the server process ended"
        assert answer[0] == "done", answer
        written.append(int(answer[1]))

    threading.Thread(target=read, daemon=True).start()
    return written


def drive_until(worker: TimedWorker, before: int, written: list[int], timeout: float) -> int:
    """Step the worker until the server is done and all it wrote is stored (or time is up);
    returns how many values the server wrote."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if written and worker.stored >= before + written[0]:
            break
        worker.step(timeout=0.05)
    return written[0] if written else -1


def main() -> None:
    """Create the plant, start the server process, run the three phases, print figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--rate", type=float, default=2000.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--publishing-ms", type=int, default=200)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    from hierarchy.models import Level, Node
    from ingest.models import OpcUaEndpoint, OpcUaNode
    from spc.models import Characteristic

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "opcua_server.py"), str(port), str(args.nodes)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().strip() == "ready"
        root, _ = Node.objects.get_or_create(name="Bench", code="bench", level=Level.ENTERPRISE)
        site, _ = Node.objects.get_or_create(name="Site", code="s", level=Level.SITE, parent=root)
        run = str(time.time_ns())
        chars = Characteristic.objects.bulk_create(
            Characteristic(
                hierarchy=site,
                name=f"opcua-{run}-{i}",
                chart_type="I_MR",
                center_line=10.0,
                ucl=13.0,
                lcl=7.0,
                sigma=1.0,
            )
            for i in range(args.nodes)
        )
        endpoint = OpcUaEndpoint.objects.create(
            name=f"bench-{run}",
            url=f"opc.tcp://127.0.0.1:{port}/bench/",
            publishing_interval_ms=args.publishing_ms,
        )
        OpcUaNode.objects.bulk_create(
            OpcUaNode(endpoint=endpoint, node_id=f"ns=2;s=v{i}", characteristic=char)
            for i, char in enumerate(chars)
        )
        print(f"database: {django.db.connection.vendor}; OPC UA nodes: {args.nodes}")
        events.start_background_loop()  # as manage.py ingest_opcua does
        worker = TimedWorker(OpcUaOptions(batch_size=args.batch_size, linger=0.02))
        worker.start()
        # The subscription's first notifications: every node's initial value (untimed).
        drive_until(worker, 0, [args.nodes], 120)
        drive_until(worker, args.nodes, command(server, "burst 1"), 120)
        print(f"warm-up: {worker.stored:,} samples stored")

        worker.timings.clear()
        before = worker.stored
        cpu = time.process_time()
        wrote = drive_until(worker, before, command(server, f"burst {args.rounds}"), 600)
        cpu = time.process_time() - cpu
        first_source = min(t for t, _ in worker.timings)
        last_commit = max(c for _, c in worker.timings)
        stored = worker.stored - before
        print(
            f"sustained: {stored:,} of {wrote:,} values stored in "
            f"{last_commit - first_source:.2f} s → {stored / (last_commit - first_source):,.0f} "
            "values/s (first source timestamp → last commit)"
        )
        print(
            f"  worker process CPU {cpu / max(1, stored) * 1e6:.0f} µs a value (client and "
            f"batches; ≈ {max(1, stored) / cpu:,.0f} values/s on one free core)"
        )

        worker.timings.clear()
        worker.batches.clear()
        worker.arrivals.clear()
        before = worker.stored
        cpu, wall = time.process_time(), time.monotonic()
        wrote = drive_until(
            worker, before, command(server, f"pace {args.rate} {args.seconds}"), 120
        )
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
        latencies = [(c - t) * 1000 for t, c in worker.timings]
        print(
            f"paced {args.rate:,.0f} values/s for {args.seconds:.0f} s: "
            f"{worker.stored - before:,} of {wrote:,} stored; latency source timestamp → "
            f"commit p50 {percentile(latencies, 50):.0f} ms, p99 {percentile(latencies, 99):.0f} ms"
        )
        sizes = [n for n, _ in worker.batches]
        busy = sum(d for _, d in worker.batches)
        print(
            f"  {len(sizes)} batches, median {percentile(sizes, 50):.0f} values; "
            f"worker process CPU {cpu:.1f} s of {wall:.1f} s; "
            f"source → received p50 {percentile(worker.arrivals, 50) * 1000:.0f} ms; "
            f"{busy:.1f} s in batches ({busy / max(1, sum(sizes)) * 1e6:.0f} µs a value)"
        )
        worker.shutdown()
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(10)


if __name__ == "__main__":
    main()
