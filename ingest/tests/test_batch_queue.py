"""``BatchQueue``: the worker's intake queue, handing messages over in runs.

Threads stand in for the network thread; every wait is on an event the test can see
(a run taken, a producer blocked), not a sleep.
"""

from __future__ import annotations

import threading

from hypothesis import given
from hypothesis import strategies as st

from ingest.batch_queue import BatchQueue, QueueFullError
from ingest.tests.broker import wait_for


@given(st.lists(st.lists(st.integers(), max_size=20), max_size=20), st.integers(1, 7))
def test_runs_put_and_taken_keep_their_order(runs: list[list[int]], most: int) -> None:
    queue: BatchQueue[int] = BatchQueue()
    for run in runs:
        queue.put_many(run)
    taken: list[int] = []
    while chunk := queue.take(most, 0):
        assert len(chunk) <= most
        taken.extend(chunk)
    assert taken == [item for run in runs for item in run]
    assert queue.qsize() == 0


def test_a_full_queue_makes_put_many_wait_and_adds_the_rest_as_room_is_made() -> None:
    queue: BatchQueue[int] = BatchQueue(maxsize=3)
    added: list[int] = []
    producer = threading.Thread(target=lambda: added.append(queue.put_many(list(range(8)))))
    producer.start()
    wait_for(lambda: queue.qsize() == 3, timeout=5)
    assert producer.is_alive()  # blocked on the five that do not fit
    taken: list[int] = []
    while len(taken) < 8:
        taken.extend(queue.take(2, timeout=5))
    producer.join(5)
    assert taken == list(range(8))
    assert added == [8]


def test_put_many_gives_up_after_its_timeout_and_says_how_many_it_added() -> None:
    queue: BatchQueue[int] = BatchQueue(maxsize=2)
    assert queue.put_many([1, 2, 3], timeout=0.01) == 2
    assert queue.take(10, 0) == [1, 2]


def test_put_on_a_full_queue_raises_full_after_its_timeout() -> None:
    queue: BatchQueue[int] = BatchQueue(maxsize=1)
    queue.put(1)
    try:
        queue.put(2, timeout=0.01)
    except QueueFullError:
        pass
    else:
        raise AssertionError("put into a full queue returned")
    assert queue.get(0) == 1
    assert queue.get(0) is None


def test_take_waits_for_the_first_item_then_lingers_for_more() -> None:
    queue: BatchQueue[int] = BatchQueue()
    first = threading.Timer(0.02, lambda: queue.put(1))
    second = threading.Timer(0.05, lambda: queue.put_many([2, 3]))
    first.start()
    second.start()
    # Full at three: returns then, long before the 5 s linger ends.
    assert queue.take(3, timeout=5, linger=5) == [1, 2, 3]


def test_take_returns_nothing_when_nothing_comes_within_its_timeout() -> None:
    queue: BatchQueue[int] = BatchQueue()
    assert queue.take(5, timeout=0.01) == []
    assert queue.take(5, timeout=0) == []
