"""End-to-end ingest: MQTT publish → worker → committed sample, for many characteristics.

Run: ``.venv/bin/python bench/ingest.py [--messages 20000] [--characteristics 1000]
[--rate 1000]``; set ``DATABASE_URL`` for PostgreSQL (default: a throw-away SQLite file).
Starts a private mosquitto on a free port (or use ``--url``), loads a plant's history
(``--history`` samples of as many other characteristics, then the planner statistics
autovacuum would keep), creates I-MR characteristics on plain topics, then runs two phases
with the worker in this process:

1. sustained: after an untimed warm-up of one message per characteristic (it loads the
   rolling windows, as a worker that has run for a while holds them), another process
   (``bench/ingest_publisher.py``) publishes ``--messages`` QoS 1 messages as fast as the
   broker takes them; prints measurements per second from the start of publishing to the
   last commit;
2. paced: the publisher process publishes at ``--rate`` messages per second for
   ``--seconds`` and reports each publish time; prints p50/p99 latency from publish to
   commit (messages are matched to commits in publish order, which one publisher and one
   subscriber at QoS 1 preserve).

The publisher is a separate process (the machines are other hosts) that writes MQTT
packets itself; with paho in this process its CPU and its share of the worker's
interpreter lock counted against the worker. The database work (history, statistics,
the counter, cleanup) is in ``bench/ingest_database.py``.

With ``--workers N`` (N > 1) the sustained phase runs N ``manage.py ingest --partition
i/N`` processes instead, as a plant scales ingest out, and reads progress from their
``measurements`` counter (one row, updated in each batch's transaction) every 200 ms,
every 10 ms near the end; the paced phase still runs the in-process worker, whose commits
it can time one by one. It also prints the workers' CPU time per measurement (from
/proc), a steadier figure than the rate on a machine whose speed varies from run to run.

With ``--paho-client`` both phases' workers use paho-mqtt's own ``Client`` instead of
``ingest.mqtt_client.IngestClient`` (``bench/ingest_worker.py`` swaps the class): the A/B
of IngestClient's overrides of paho's private receive path.

Everything the run created is deleted at the end, so each run starts from the same
database.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ingest_publisher import start_publisher  # after the path
from bench.ingest_worker import PAHO_CLIENT, use_paho_client

if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openspc.settings")
os.environ.setdefault("OPENSPC_DEBUG", "0")  # as a plant runs it (DEBUG wraps every query)

import django  # after the environment is set

django.setup()

from django.core.management import call_command  # noqa: E402

from bench.ingest_database import (  # noqa: E402
    autovacuum,
    counted_by,
    load_history,
    measurements_counted,
    remove_characteristics,
)
from bench.measure import cpu_seconds, machine_line  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def batch_summary(batches: list[tuple[int, float]]) -> str:
    """Batch count, mean size and time per batch and per message in the worker."""
    if not batches:
        return "  no batches"
    sizes = [n for n, _ in batches]
    times = [t * 1000 for _, t in batches]
    return (
        f"  {len(batches)} batches, mean {statistics.fmean(sizes):.0f} messages; "
        f"process_batch p50 {percentile(times, 50):.1f} ms, p99 {percentile(times, 99):.1f} ms, "
        f"{sum(times) / sum(sizes) * 1000:.0f} us per message"
    )


def warm_up_line(characteristics: int, seconds: float) -> str:
    """The untimed warm-up's report: one message per characteristic loads its window."""
    return (
        f"warm-up: {characteristics} messages, one per characteristic (windows load), "
        f"in {seconds:.2f} s; not counted below"
    )


def bare_ceiling(args: argparse.Namespace, url: str, run: str) -> float | None:
    """On PostgreSQL, the rate of ``--workers`` bare subscribers (``bench/ingest_ceiling.py``)
    storing the same messages, measured before the workers start; their rows are then
    deleted. None on SQLite."""
    from django.db import connection

    from bench.ingest_ceiling import measure_ceiling
    from spc.models import Characteristic, Measurement, Sample

    if connection.vendor != "postgresql":
        return None
    # Twice, the better one kept: a shared host's load swings a single run by half, and
    # the higher ceiling is the stricter yardstick for the workers.
    runs = [
        measure_ceiling(
            url, run, args.workers, args.messages, args.characteristics, args.batch_size
        )
        for _ in range(2)
    ]
    rate, cpu = max(runs)
    print(
        f"bare ceiling, {args.workers} bare subscribers + batched INSERT: "
        f"{rate:,.0f} messages/s (runs: {', '.join(f'{r:,.0f}' for r, _ in runs)}), "
        f"their CPU {cpu * 1e6:.0f} us per message"
    )
    chars = Characteristic.objects.filter(mqtt_topic__startswith=f"bench/{run}/")
    samples = Sample.objects.filter(characteristic__in=chars)
    Measurement.objects.filter(sample__in=samples).delete()
    samples.delete()
    autovacuum()
    return rate


def sustained_in_processes(args: argparse.Namespace, url: str, run: str) -> None:
    """Phase 1 with ``--workers`` partitioned ``manage.py ingest`` processes."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from ingest.tests.broker import wait_for

    ceiling = bare_ceiling(args, url, run)
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "OPENSPC_LOG_LEVEL": "WARNING"}
    log_dir = Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    if args.paho_client:  # A/B: the worker on paho's own Client
        command = [str(root / "bench" / "ingest_worker.py"), PAHO_CLIENT]
    else:
        command = [str(root / "manage.py"), "ingest"]
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                *command,
                "--url",
                url,
                "--client-id",
                f"bench-{run}-{i}",
                "--partition",
                f"{i}/{args.workers}",
                "--batch-size",
                str(args.batch_size),
            ],
            env=env,
            cwd=root,
            stdout=(log_dir / f"ingest-{i}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for i in range(args.workers)
    ]
    port = int(url.rsplit(":", 1)[1])
    probe = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    probe.connect("127.0.0.1", port)
    probe.loop_start()
    try:
        before = measurements_counted()

        def probes_stored() -> bool:
            """One probe per partition (consecutive ids); a replay does not count."""
            for i in range(args.workers):
                body = json.dumps({"value": 10.0, "id": f"{run}-probe-{i}"})
                probe.publish(f"bench/{run}/{i}", body, qos=1).wait_for_publish(5)
            return measurements_counted() - before >= args.workers

        wait_for(probes_stored, timeout=120, interval=1.0)
        before = measurements_counted()
        started = time.time()
        warm_up = start_publisher(port, run, 0, args.characteristics, args.characteristics, tag="w")
        wait_for(
            lambda: measurements_counted() - before >= args.characteristics,
            timeout=600,
            interval=0.02,
        )
        warm_up.wait(60)
        print(warm_up_line(args.characteristics, time.time() - started))
        autovacuum()
        baseline = measurements_counted()
        cpu_before = [cpu_seconds(worker.pid) for worker in workers]
        t0 = time.time()
        feeder = start_publisher(port, run, 0, args.messages, args.characteristics)
        done = counted_by(baseline + args.messages)
        cpu_used = sum(cpu_seconds(w.pid) - c for w, c in zip(workers, cpu_before, strict=True))
        feeder.wait(60)
        elapsed = done - t0
        print(
            f"sustained, {args.workers} worker processes: {args.messages} measurements in "
            f"{elapsed:.2f} s = {args.messages / elapsed:,.0f} measurements/s (publish to "
            f"commit, logs in {log_dir})"
        )
        if cpu_used > 0:
            print(
                f"  workers' CPU: {cpu_used:.1f} s = {cpu_used / args.messages * 1e6:.0f} us "
                f"per measurement ({cpu_used / elapsed / args.workers:.0%} of a core each)"
            )
        if ceiling is not None:
            rate = args.messages / elapsed
            verdict = "ok" if rate >= 0.75 * ceiling else "UNDER TARGET"
            print(f"  share of the bare ceiling: {rate / ceiling:.2f} (target 0.75: {verdict})")
    finally:
        probe.loop_stop()
        probe.disconnect()
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()


def main() -> None:
    """Create characteristics, run the two phases and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--characteristics", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--batch-size", type=int, default=2000, help="The workers' --batch-size (theirs: 2000)."
    )
    parser.add_argument(
        "--history",
        type=int,
        default=200,
        help="Samples per characteristic of history loaded first (others than the run's).",
    )
    parser.add_argument("--url", default=None, help="Broker URL (default: a private one).")
    parser.add_argument(
        "--workers", type=int, default=1, help="Worker processes for the sustained phase."
    )
    parser.add_argument(
        PAHO_CLIENT,
        action="store_true",
        help="A/B: the workers use paho's own Client, not ingest.mqtt_client.IngestClient.",
    )
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    from hierarchy.models import Level, Node
    from ingest.tests.broker import Broker
    from spc.models import Characteristic

    broker = None
    url = args.url
    if url is None:
        broker = Broker()
        broker.start()
        url = broker.url
    port = int(url.rsplit(":", 1)[1])

    run = str(time.time_ns())
    root, _ = Node.objects.get_or_create(name="Bench", code="bench", level=Level.ENTERPRISE)
    site, _ = Node.objects.get_or_create(name="Site", code="s", level=Level.SITE, parent=root)
    Characteristic.objects.bulk_create(
        Characteristic(
            hierarchy=site,
            name=f"ingest-{run}-{i}",
            chart_type="I_MR",
            provider="MQTT",
            mqtt_topic=f"bench/{run}/{i}",
            center_line=10.0,
            ucl=13.0,
            lcl=7.0,
            sigma=1.0,
        )
        for i in range(args.characteristics)
    )

    started = time.time()
    history = load_history(site, args.characteristics, args.history)
    print(
        f"database: {django.db.connection.vendor}, characteristics: {args.characteristics}; "
        f"history: {history:,} samples of as many other characteristics "
        f"({time.time() - started:.1f} s)"
    )
    if args.paho_client:
        print("MQTT client: paho's own Client (IngestClient's overrides off)")
    print(machine_line())
    try:
        run_phases(args, url, port, run)
        print(machine_line())
    finally:
        remove_characteristics(Characteristic.objects.filter(hierarchy=site))
        autovacuum("VACUUM ANALYZE")
        if broker is not None:
            broker.cleanup()


def run_phases(args: argparse.Namespace, url: str, port: int, run: str) -> None:
    """The sustained phase (in this process or ``--workers`` processes), then the paced one."""
    from ingest.operations import BatchOutcome
    from ingest.tests.broker import wait_for
    from ingest.worker import IngestWorker, WorkerOptions
    from spc.pipeline import events
    from spc.pipeline.windows import windows

    if args.paho_client:
        use_paho_client()
    if args.workers > 1:
        sustained_in_processes(args, url, run)

    commits: list[tuple[float, int]] = []

    def on_batch(outcome: BatchOutcome) -> None:
        commits.append((outcome.committed_at, len(outcome.received)))

    worker = IngestWorker(
        WorkerOptions(url=url, client_id=f"bench-{run}", batch_size=args.batch_size),
        on_batch=on_batch,
    )
    batches: list[tuple[int, float]] = []  # (messages, seconds in process_batch)
    process_batch = worker.process_batch

    def timed_batch(batch: list[Any]) -> BatchOutcome:
        started = time.perf_counter()
        outcome = process_batch(batch)
        batches.append((len(batch), time.perf_counter() - started))
        return outcome

    worker.process_batch = timed_batch  # type: ignore[method-assign]
    events.start_background_loop()  # as manage.py ingest does
    worker.start()
    worker.connected.wait(10)
    worker.subscribed.wait(10)
    stop = threading.Event()
    driver = threading.Thread(target=lambda: [worker.step(0.05) for _ in iter(stop.is_set, True)])
    driver.start()

    def publish(count: int, rate: float, first: int, tag: str = "") -> list[float]:
        """Publish from another process; the publish time of each message."""
        times_path = Path(tempfile.mkdtemp(prefix="bench_ingest_")) / "times.json"
        feeder = start_publisher(
            port, run, first, count, args.characteristics, rate, times_path, tag
        )
        if feeder.wait(600) != 0:
            raise SystemExit("the publisher failed")
        times: list[float] = json.loads(times_path.read_text())
        return times

    def committed() -> int:
        return sum(n for _, n in commits)

    try:
        if args.workers == 1:
            # Phase 1: sustained throughput, published by another process.
            started = time.time()
            publish(args.characteristics, 0.0, 0, tag="w")
            wait_for(lambda: committed() >= args.characteristics, timeout=600, interval=0.05)
            print(warm_up_line(args.characteristics, commits[-1][0] - started))
            autovacuum()
            commits.clear()
            batches.clear()
            loads = windows.loads
            t0 = time.time()
            cpu = time.process_time()  # this process is the worker (and its network thread)
            feeder = start_publisher(port, run, 0, args.messages, args.characteristics)
            wait_for(lambda: committed() >= args.messages, timeout=600, interval=0.05)
            cpu = time.process_time() - cpu
            feeder.wait(60)
            elapsed = commits[-1][0] - t0
            print(
                f"sustained: {args.messages} measurements in {elapsed:.2f} s = "
                f"{args.messages / elapsed:,.0f} measurements/s (publish to commit); worker "
                f"CPU {cpu / args.messages * 1e6:.0f} us per measurement"
            )
            print(batch_summary(batches) + f"; {windows.loads - loads} window loads")
        # Phase 2: latency at a fixed rate.
        if args.workers > 1:  # this worker's windows are cold: load them untimed
            publish(args.characteristics, 0.0, 0, tag="p")
            wait_for(lambda: committed() >= args.characteristics, timeout=600, interval=0.05)
        commits.clear()
        batches.clear()
        count = int(args.rate * args.seconds)
        sent = publish(count, args.rate, args.messages)
        wait_for(lambda: committed() >= count, timeout=600, interval=0.05)
        latencies = []
        position = 0
        for committed_at, size in commits:
            for _ in range(size):
                if position < len(sent):
                    latencies.append((committed_at - sent[position]) * 1000)
                position += 1
        print(
            f"paced at {args.rate:,.0f}/s for {args.seconds:g} s: latency p50 "
            f"{percentile(latencies, 50):.1f} ms, p99 {percentile(latencies, 99):.1f} ms, "
            f"max {max(latencies):.1f} ms (mean {statistics.fmean(latencies):.1f} ms)"
        )
        print(batch_summary(batches))
    finally:
        stop.set()
        driver.join()
        worker.shutdown()


if __name__ == "__main__":
    main()
