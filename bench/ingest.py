"""End-to-end ingest: MQTT publish → worker → committed sample, for many characteristics.

Run: ``.venv/bin/python bench/ingest.py [--messages 20000] [--characteristics 1000]
[--rate 1000]``; set ``DATABASE_URL`` for PostgreSQL (default: a throw-away SQLite file).
Starts a private mosquitto on a free port (or use ``--url``), creates I-MR characteristics
on plain topics, then runs two phases with the worker in this process:

1. sustained: another process (``--publisher``) publishes ``--messages`` QoS 1 messages as
   fast as the broker takes them; prints measurements per second from the start of
   publishing to the last commit;
2. paced: publish at ``--rate`` messages per second for ``--seconds``; prints p50/p99
   latency from publish to commit (messages are matched to commits in publish order,
   which one publisher and one subscriber at QoS 1 preserve).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def publisher_process(port: int, prefix: str, count: int, characteristics: int) -> None:
    """``--publisher``: publish ``count`` QoS 1 readings of a stable process as fast as the
    broker takes them, round robin over the characteristics' topics (a separate process,
    as a plant's machines are, so it does not share the worker's interpreter)."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    rng = random.Random(5)
    infos = []
    for k in range(count):
        body = json.dumps({"value": round(rng.gauss(10.0, 1.0), 4), "id": f"{prefix}-s{k}"})
        infos.append(client.publish(f"{prefix}/{k % characteristics}", body, qos=1))
    for info in infos:
        info.wait_for_publish(timeout=120)
    client.loop_stop()
    client.disconnect()


if len(sys.argv) > 1 and sys.argv[1] == "--publisher":
    publisher_process(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    sys.exit(0)
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openspc.settings")
os.environ.setdefault("OPENSPC_DEBUG", "0")  # as a plant runs it (DEBUG wraps every query)

import django  # noqa: E402  (after the environment is set)

django.setup()

from django.core.management import call_command  # noqa: E402


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


def main() -> None:
    """Create characteristics, run the two phases and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--characteristics", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--url", default=None, help="Broker URL (default: a private one).")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    from hierarchy.models import Level, Node
    from ingest.tests.broker import Broker, Publisher, wait_for
    from ingest.worker import BatchOutcome, IngestWorker, WorkerOptions
    from spc import events
    from spc.models import Characteristic
    from spc.windows import windows

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
    publisher = Publisher(port)
    stop = threading.Event()
    driver = threading.Thread(target=lambda: [worker.step(0.05) for _ in iter(stop.is_set, True)])
    driver.start()

    rng = random.Random(7)

    def publish(count: int, rate: float | None, offset: int) -> list[float]:
        times: list[float] = []
        started = time.perf_counter()
        for k in range(count):
            if rate:
                delay = started + k / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            i = (offset + k) % args.characteristics
            # A stable process (CL 10, sigma 1): violations as rare as in a real plant.
            value = round(rng.gauss(10.0, 1.0), 4)
            body = json.dumps({"value": value, "id": f"{run}-{offset + k}"})
            times.append(time.time())
            publisher.client.publish(f"bench/{run}/{i}", body, qos=1)
        return times

    def committed() -> int:
        return sum(n for _, n in commits)

    try:
        # Phase 1: sustained throughput, published by another process.
        commits.clear()
        t0 = time.time()
        feeder = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--publisher",
                str(port),
                f"bench/{run}",
                str(args.messages),
                str(args.characteristics),
            ]
        )
        wait_for(lambda: committed() >= args.messages, timeout=600, interval=0.05)
        feeder.wait(60)
        elapsed = commits[-1][0] - t0
        print(f"database: {django.db.connection.vendor}, characteristics: {args.characteristics}")
        print(
            f"sustained: {args.messages} measurements in {elapsed:.2f} s = "
            f"{args.messages / elapsed:,.0f} measurements/s (publish to commit)"
        )
        print(batch_summary(batches) + f"; {windows.loads} window loads")
        # Phase 2: latency at a fixed rate.
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
        publisher.close()
        worker.shutdown()
        if broker is not None:
            broker.cleanup()


if __name__ == "__main__":
    main()
