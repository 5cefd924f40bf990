"""MQTT payloads carry ``part_number`` to short-run charts (DNOM, Z-MR): whole subgroups
and buffered single readings; an unknown part is a dead letter counted under
``unknown_part``, never a silent drop. (The worker's batch is fed directly: no broker.)

Data: Montgomery, Introduction to SQC, 6th ed., Table 10.1 (parts A, T = 50, and B,
T = 25; n = 3): sample 1 of part A (50, 51, 52) plots a deviation mean of 1.00, sample 5
of part B (24, 27, 26) 0.67.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ingest.errors import PayloadError
from ingest.intake import Incoming
from ingest.models import DeadLetter, IngestCounter, PendingReading
from ingest.payloads import parse_plain
from ingest.worker import IngestWorker, WorkerOptions
from spc.models import PartTarget, Sample
from spc.pipeline.windows import windows
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db


def _message(topic: str, body: Any, mid: int) -> Incoming:
    return Incoming(topic=topic, payload=json.dumps(body).encode(), mid=mid, qos=0, generation=0)


@pytest.fixture
def worker() -> IngestWorker:
    windows.clear()
    return IngestWorker(WorkerOptions(reload_interval=0.0))


def _dnom(topic: str, n: int = 3) -> Any:
    char = CharacteristicFactory.create(
        provider="MQTT", mqtt_topic=topic, chart_type="DNOM", subgroup_size=n, min_measurements=n
    )
    PartTarget.objects.create(characteristic=char, part_number="A", target=50.0)
    PartTarget.objects.create(characteristic=char, part_number="B", target=25.0)
    return char


def test_a_whole_subgroup_with_its_part_is_charted_as_its_deviation(worker: IngestWorker) -> None:
    char = _dnom("shop/bore")
    worker.reload_mapping(force=True)
    worker.process_batch(
        [
            _message("shop/bore", {"values": [50, 51, 52], "part_number": "A", "id": "1"}, 1),
            _message("shop/bore", {"values": [24, 27, 26], "part_number": "B", "id": "2"}, 2),
            _message("shop/bore", {"values": [24, 27, 26], "part_number": "Q", "id": "3"}, 3),
        ]
    )
    stored = list(Sample.objects.filter(characteristic=char).order_by("id"))
    assert [(s.part_number, round(s.value, 2)) for s in stored] == [("A", 1.0), ("B", 0.67)]
    (letter,) = DeadLetter.objects.all()
    assert letter.reason == "unknown_part"
    assert "No target for part Q" in letter.detail
    assert IngestCounter.objects.get(name="dead_letter.unknown_part").value == 1


def test_buffered_readings_keep_their_part_and_a_part_change_closes_the_subgroup(
    worker: IngestWorker,
) -> None:
    char = _dnom("shop/od")
    worker.reload_mapping(force=True)
    readings = [("A", 50), ("A", 51), ("A", 52), ("B", 24), ("B", 27), ("B", 26)]
    worker.process_batch(
        [
            _message("shop/od", {"value": v, "part_number": p, "id": f"r{i}"}, i)
            for i, (p, v) in enumerate(readings)
        ]
    )
    stored = list(Sample.objects.filter(characteristic=char).order_by("id"))
    assert [(s.part_number, round(s.value, 2)) for s in stored] == [("A", 1.0), ("B", 0.67)]
    assert set(PendingReading.objects.values_list("part_number", flat=True)) == {"A", "B"}
    # A part change with one reading open: that partial subgroup is closed by the policy
    # (KEEP, below min_measurements: offered and refused by the chart), never mixed.
    worker.process_batch(
        [
            _message("shop/od", {"value": 49, "part_number": "A", "id": "x1"}, 10),
            _message("shop/od", {"value": 26, "part_number": "B", "id": "x2"}, 11),
        ]
    )
    assert Sample.objects.filter(characteristic=char).count() == 2
    assert PendingReading.objects.filter(sample_id__isnull=True, part_number="B").count() == 1


@pytest.mark.parametrize(
    "payload",
    [
        b'{"value": 1, "part_number": true}',
        b'{"value": 1, "part_number": 1.5}',
        b'{"value": 1, "part_number": ["A"]}',
        b'{"value": 1, "part_number": "' + b"P" * 61 + b'"}',
        b'{"value": 1, "part_number": "A\\u0000"}',
    ],
)
def test_a_part_number_that_is_not_storable_text_is_refused(payload: bytes) -> None:
    with pytest.raises(PayloadError) as caught:
        parse_plain(payload)
    assert caught.value.reason == "invalid_json"


def test_part_numbers_are_read_as_text() -> None:
    assert parse_plain(b'{"value": 1, "part_number": " A-17 "}').part_number == "A-17"
    assert parse_plain(b'{"value": 1, "part_number": 4711}').part_number == "4711"
    assert parse_plain(b'{"value": 1}').part_number == ""
