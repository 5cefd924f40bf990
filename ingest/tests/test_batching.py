"""How the worker gathers a batch: what is queued, plus what arrives within the linger;
nothing waits when draining at shutdown. (The queue is fed directly: no broker needed.)"""

from __future__ import annotations

import threading

from ingest.intake import Incoming
from ingest.worker import IngestWorker, WorkerOptions


def message(n: int) -> Incoming:
    return Incoming(topic=f"t/{n}", payload=b"1", mid=n, qos=1, generation=0)


def test_a_batch_takes_what_arrives_within_the_linger() -> None:
    worker = IngestWorker(WorkerOptions(linger=5.0, batch_size=3))
    worker.queue.put(message(1))
    late = threading.Timer(0.05, lambda: worker.queue.put(message(2)))
    later = threading.Timer(0.1, lambda: worker.queue.put(message(3)))
    late.start()
    later.start()
    # Full at three messages: returns then, long before the 5 s linger ends.
    assert [m.mid for m in worker._take(timeout=1.0)] == [1, 2, 3]


def test_without_more_messages_the_linger_ends_the_batch() -> None:
    worker = IngestWorker(WorkerOptions(linger=0.05, batch_size=10))
    worker.queue.put(message(1))
    worker.queue.put(message(2))
    assert [m.mid for m in worker._take(timeout=1.0)] == [1, 2]


def test_draining_at_shutdown_does_not_linger() -> None:
    worker = IngestWorker(WorkerOptions(linger=5.0, batch_size=10))
    worker.queue.put(message(1))
    late = threading.Timer(0.2, lambda: worker.queue.put(message(2)))
    late.start()
    assert [m.mid for m in worker._take(timeout=0)] == [1]
    late.join()
