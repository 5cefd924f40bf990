"""Sparkplug ``is_historical`` metrics (a device's buffer sent after an outage) are placed by
their own timestamp: older than the newest stored sample, they take the late path.
(The worker's batch is fed directly: no broker needed.)"""

from __future__ import annotations

from typing import Any

import pytest

from ingest.intake import Incoming
from ingest.models import DeadLetter
from ingest.sparkplug import DOUBLE, UINT64, Metric, Payload, encode_payload
from ingest.worker import IngestWorker, WorkerOptions
from spc.models import Sample
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db
STAMP = 1_795_000_000_000  # ms


def _message(topic: str, payload: Payload, mid: int) -> Incoming:
    return Incoming(topic=topic, payload=encode_payload(payload), mid=mid, qos=0, generation=0)


def test_historical_metrics_are_put_in_their_place() -> None:
    char: Any = CharacteristicFactory.create(
        provider="MQTT",
        sparkplug_group="Plant",
        sparkplug_edge_node="edge1",
        sparkplug_device="press",
        sparkplug_metric="Weight",
        center_line=100.0,
        ucl=103.0,
        lcl=97.0,
        sigma=1.0,
    )
    worker = IngestWorker(WorkerOptions(reload_interval=0.0))
    worker.reload_mapping(force=True)
    node = Payload(
        timestamp=STAMP, seq=0, metrics=(Metric(name="bdSeq", datatype=UINT64, value=1),)
    )
    device = Payload(
        timestamp=STAMP,
        seq=1,
        metrics=(Metric(name="Weight", alias=5, datatype=DOUBLE, value=0.0),),
    )
    worker.process_batch(
        [
            _message("spBv1.0/Plant/NBIRTH/edge1", node, 1),
            _message("spBv1.0/Plant/DBIRTH/edge1/press", device, 2),
        ]
    )
    live = Payload(
        timestamp=STAMP + 60_000,
        seq=2,
        metrics=(Metric(alias=5, value=100.5, datatype=DOUBLE, timestamp=STAMP + 60_000),),
    )
    worker.process_batch([_message("spBv1.0/Plant/DDATA/edge1/press", live, 3)])
    # Sent after the outage: two readings buffered on the device, flagged historical.
    buffered = Payload(
        timestamp=STAMP + 120_000,
        seq=3,
        metrics=tuple(
            Metric(alias=5, value=v, datatype=DOUBLE, timestamp=STAMP + t, is_historical=True)
            for t, v in ((20_000, 99.5), (40_000, 104.0))
        ),
    )
    worker.process_batch([_message("spBv1.0/Plant/DDATA/edge1/press", buffered, 4)])
    assert list(DeadLetter.objects.values_list("reason", "detail")) == []
    stored = list(Sample.objects.filter(characteristic=char).order_by("timestamp"))
    assert [(s.value, s.arrival) for s in stored] == [(99.5, "LATE"), (104.0, "LATE"), (100.5, "")]
    assert [v.rule for v in stored[1].violations.all()] == [1]  # beyond the UCL, in its place
