"""Fixtures for the ingest tests: a private broker and a worker driven from the test."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from ingest.tests.broker import Broker, Publisher, running_broker
from ingest.worker import IngestWorker, WorkerOptions

_ids = itertools.count()


@pytest.fixture(scope="session")
def broker() -> Iterator[Broker]:
    with running_broker() as started:
        yield started


@pytest.fixture
def publisher(broker: Broker) -> Iterator[Publisher]:
    client = Publisher(broker.port, subscribe=("spBv1.0/+/NCMD/#", "openspc/events/#"))
    yield client
    client.close()


@pytest.fixture
def make_worker(broker: Broker) -> Iterator[object]:
    """Build a started worker; the test calls ``worker.step()`` to drive it."""
    workers: list[IngestWorker] = []

    def build(**options: object) -> IngestWorker:
        worker = IngestWorker(
            WorkerOptions(
                url=broker.url,
                client_id=f"test-ingest-{next(_ids)}",
                reload_interval=0.0,
                **options,
            )
        )
        worker.start()
        assert worker.connected.wait(10), "worker did not connect"
        if worker._wanted_subscriptions():
            assert worker.subscribed.wait(10), "worker did not subscribe"
        workers.append(worker)
        return worker

    yield build
    for worker in workers:
        worker.shutdown()
