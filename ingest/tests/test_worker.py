"""The worker against a real Mosquitto: plain and Sparkplug messages become samples."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from ingest.models import DeadLetter, IngestCounter, PendingReading
from ingest.sparkplug import DOUBLE, INT8, UINT64, Metric, Payload, decode_payload, encode_payload
from ingest.sparkplug_host import REBIRTH_METRIC
from ingest.tests.broker import Publisher, wait_for
from spc.models import Sample
from spc.tests.factories import CharacteristicFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def drive(worker: Any, condition: Any, timeout: float = 10.0) -> Any:
    """Step the worker until ``condition()`` holds."""

    def check() -> Any:
        worker.step(timeout=0.05)
        return condition()

    return wait_for(check, timeout=timeout, interval=0)


def samples(char: Any) -> list[Sample]:
    return list(Sample.objects.filter(characteristic=char).prefetch_related("measurements"))


def test_plain_json_becomes_a_sample(make_worker: Any, publisher: Publisher) -> None:
    char = CharacteristicFactory(provider="MQTT", mqtt_topic="plant/l1/bore")
    worker = make_worker()
    publisher.publish("plant/l1/bore", json.dumps({"value": 74.5, "id": "a1"}))
    publisher.publish("plant/l1/bore", "74.25")
    stored = drive(worker, lambda: len(samples(char)) == 2 and samples(char))
    assert [s.value for s in stored] == [74.5, 74.25]
    assert {s.source for s in stored} == {"MQTT"}
    assert stored[0].idempotency_key == "id:a1"


def test_wildcard_mapping_routes_by_most_specific(make_worker: Any, publisher: Publisher) -> None:
    general = CharacteristicFactory(provider="MQTT", mqtt_topic="w/+/temp")
    special = CharacteristicFactory(provider="MQTT", mqtt_topic="w/oven/temp")
    worker = make_worker()
    assert "w/+/temp" in worker._wanted_subscriptions()
    publisher.publish("w/line1/temp", "1")
    publisher.publish("w/line2/temp", "2")
    publisher.publish("w/oven/temp", "3")
    drive(worker, lambda: Sample.objects.count() == 3)
    assert [s.value for s in samples(general)] == [1.0, 2.0]
    assert [s.value for s in samples(special)] == [3.0]


def test_subgroup_closes_at_nominal_n(make_worker: Any, publisher: Publisher) -> None:
    char = CharacteristicFactory(
        provider="MQTT", mqtt_topic="n5", chart_type="XBAR_R", subgroup_size=5, min_measurements=2
    )
    worker = make_worker()
    for i in range(7):
        publisher.publish("n5", json.dumps({"value": 10 + i, "id": f"r{i}"}))
    # Until all seven are handled, the first two readings alone also leave two pending.
    drive(
        worker,
        lambda: (
            PendingReading.objects.count() == 7
            and PendingReading.objects.filter(sample_id__isnull=True).count() == 2
        ),
    )
    (sample,) = samples(char)
    assert [m.value for m in sample.measurements.all()] == [10, 11, 12, 13, 14]


def test_trigger_and_timeout(make_worker: Any, publisher: Publisher) -> None:
    triggered = CharacteristicFactory(
        provider="MQTT",
        mqtt_topic="t/value",
        chart_type="XBAR_R",
        subgroup_size=3,
        min_measurements=2,
        trigger_strategy="ON_TRIGGER",
        trigger_tag="t/done",
    )
    timed = CharacteristicFactory(
        provider="MQTT",
        mqtt_topic="t/slow",
        chart_type="XBAR_R",
        subgroup_size=5,
        min_measurements=2,
        buffer_timeout_seconds=0.5,
    )
    worker = make_worker()
    for i in range(4):
        publisher.publish("t/value", json.dumps({"value": i, "id": f"t{i}"}))
    publisher.publish("t/slow", json.dumps({"value": 1, "id": "s1"}))
    publisher.publish("t/slow", json.dumps({"value": 2, "id": "s2"}))
    drive(worker, lambda: PendingReading.objects.count() == 6)
    assert samples(triggered) == []
    publisher.publish("t/done", "true")
    (sample,) = drive(worker, lambda: samples(triggered))
    assert [m.value for m in sample.measurements.all()] == [1, 2, 3]
    assert DeadLetter.objects.get().reason == "trigger_overflow"
    (partial,) = drive(worker, lambda: samples(timed), timeout=5)
    assert [m.value for m in partial.measurements.all()] == [1, 2]
    assert partial.is_undersized or partial.actual_n == 2


BAD = [
    ("bad/json", b"{oops", "invalid_json"),
    ("bad/json", b'"twelve"', "not_a_number"),
    ("bad/json", b"NaN", "non_finite"),
    ("bad/json", b'{"value": Infinity}', "non_finite"),
    ("bad/json", b"", "empty"),
    ("bad/json", b"\xff\xfe", "invalid_utf8"),
    ("bad/json", b'{"value": 1, "timestamp": "soon"}', "invalid_timestamp"),
    ("bad/json", b'{"values": [' + b"1," * 1000 + b"1]}", "too_many_values"),
    ("bad/json", b"1" * 70000, "payload_too_large"),
    ("nobody/listens", b"1", "unknown_topic"),
    ("spBv1.0/G/NDATA/bad", b"\xff\xff\xff", "invalid_protobuf"),
]


def test_every_bad_payload_is_a_dead_letter(make_worker: Any, publisher: Publisher) -> None:
    CharacteristicFactory(provider="MQTT", mqtt_topic="bad/json")
    CharacteristicFactory(provider="MQTT", mqtt_topic="nobody/+/x")
    CharacteristicFactory(
        provider="MQTT",
        sparkplug_group="G",
        sparkplug_edge_node="bad",
        sparkplug_metric="m",
    )
    worker = make_worker()
    worker.subscribed.clear()
    worker._subscribe({"nobody/listens"})
    assert worker.subscribed.wait(5)
    for topic, payload, _ in BAD:
        publisher.publish(topic, payload)
    publisher.publish("bad/json", "5")
    drive(worker, lambda: DeadLetter.objects.count() == len(BAD) and Sample.objects.count() == 1)
    got = sorted(DeadLetter.objects.values_list("reason", flat=True))
    assert got == sorted(reason for _, _, reason in BAD)
    counters = dict(IngestCounter.objects.values_list("name", "value"))
    assert counters["dead_letter.non_finite"] == 2
    assert counters["dead_letter.invalid_protobuf"] == 1
    letter = DeadLetter.objects.get(reason="invalid_json")
    assert bytes(letter.payload) == b"{oops"
    assert letter.topic == "bad/json"


def test_redelivered_message_is_stored_once(make_worker: Any, publisher: Publisher) -> None:
    char = CharacteristicFactory(provider="MQTT", mqtt_topic="dup")
    buffered = CharacteristicFactory(
        provider="MQTT", mqtt_topic="dup5", chart_type="XBAR_R", subgroup_size=2
    )
    worker = make_worker()
    message = json.dumps({"value": 3, "timestamp": "2026-11-23T06:00:00Z"})
    for _ in range(3):
        publisher.publish("dup", message)
    for _ in range(2):
        publisher.publish("dup5", json.dumps({"value": 1, "id": "x"}))
    publisher.publish("dup5", json.dumps({"value": 2, "id": "y"}))
    publisher.publish("dup5", json.dumps({"value": 1, "id": "x"}))
    publisher.publish("dup", "NaN")  # a marker: everything before it has been handled
    drive(worker, lambda: DeadLetter.objects.filter(topic="dup").exists())
    assert len(samples(char)) == 1
    counters = dict(IngestCounter.objects.values_list("name", "value"))
    assert counters["messages"] == 8
    assert counters["measurements"] == 3
    assert counters["redelivered"] == 4
    (sample,) = samples(buffered)
    assert [m.value for m in sample.measurements.all()] == [1, 2]
    assert not PendingReading.objects.filter(sample_id__isnull=True).exists()


def birth(seq: int, metrics: tuple[Metric, ...]) -> bytes:
    return encode_payload(Payload(timestamp=int(time.time() * 1000), seq=seq, metrics=metrics))


def test_sparkplug_births_data_by_alias_and_rebirth_on_gap(
    make_worker: Any, publisher: Publisher
) -> None:
    char = CharacteristicFactory(
        provider="MQTT",
        sparkplug_group="Plant",
        sparkplug_edge_node="edge1",
        sparkplug_device="press",
        sparkplug_metric="Line/Weight",
    )
    signed = CharacteristicFactory(
        provider="MQTT",
        sparkplug_group="Plant",
        sparkplug_edge_node="edge1",
        sparkplug_device="press",
        sparkplug_metric="Offset",
    )
    worker = make_worker()
    publisher.publish(
        "spBv1.0/Plant/NBIRTH/edge1",
        birth(0, (Metric(name="bdSeq", datatype=UINT64, value=1),)),
    )
    publisher.publish(
        "spBv1.0/Plant/DBIRTH/edge1/press",
        birth(
            1,
            (
                Metric(name="Line/Weight", alias=5, datatype=DOUBLE, value=0.0),
                Metric(name="Offset", alias=6, datatype=INT8, value=0),
            ),
        ),
    )
    stamp = 1_795_000_000_000
    data = encode_payload(
        Payload(
            timestamp=stamp,
            seq=2,
            metrics=(
                Metric(alias=5, value=120.5, datatype=DOUBLE),
                Metric(alias=6, value=-3, datatype=INT8),
            ),
        )
    )
    publisher.publish("spBv1.0/Plant/DDATA/edge1/press", data)
    drive(worker, lambda: len(samples(char)) == 1 and len(samples(signed)) == 1)
    assert samples(char)[0].value == 120.5
    assert samples(signed)[0].value == -3
    assert samples(char)[0].timestamp.timestamp() * 1000 == stamp
    assert publisher.received == []

    gap = encode_payload(
        Payload(timestamp=stamp + 1000, seq=9, metrics=(Metric(alias=5, value=121.0),))
    )
    publisher.publish("spBv1.0/Plant/DDATA/edge1/press", gap)
    wait_for(lambda: (worker.step(0.05), publisher.received)[1])
    topic, payload = publisher.received[0]
    assert topic == "spBv1.0/Plant/NCMD/edge1"
    (metric,) = decode_payload(payload).metrics
    assert (metric.name, metric.value) == (REBIRTH_METRIC, True)
    assert [s.value for s in samples(char)] == [120.5, 121.0]

    publisher.publish(
        "spBv1.0/Plant/DDATA/edge1/press",
        encode_payload(
            Payload(timestamp=stamp + 2000, seq=10, metrics=(Metric(alias=77, value=1.0),))
        ),
    )
    drive(worker, lambda: DeadLetter.objects.filter(reason="unknown_alias").exists())
    assert IngestCounter.objects.get(name="dead_letter.unknown_alias").value == 1


def test_host_state_is_retained_online_then_offline(make_worker: Any, broker: Any) -> None:
    worker = make_worker(host_id="state-test")
    watcher = Publisher(broker.port, subscribe=(worker.host.state_topic,))
    try:
        topic, payload = wait_for(lambda: watcher.received and watcher.received[-1])
        assert topic == "spBv1.0/STATE/state-test"
        assert json.loads(payload)["online"] is True
        worker.shutdown()
        wait_for(lambda: json.loads(watcher.received[-1][1])["online"] is False)
        # Birth and death carry the same timestamp (Sparkplug 3.0 host STATE).
        stamps = {json.loads(p)["timestamp"] for _, p in watcher.received}
        assert len(stamps) == 1
    finally:
        watcher.close()


def test_violation_is_published_as_an_event(make_worker: Any, publisher: Publisher) -> None:
    char = CharacteristicFactory(
        provider="MQTT", mqtt_topic="ev/x", center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0
    )
    worker = make_worker()
    publisher.publish("ev/x", "10.5")
    publisher.publish("ev/x", "20")
    wait_for(lambda: (worker.step(0.05), publisher.received)[1])
    ((topic, payload),) = publisher.received
    assert topic == f"openspc/events/violations/{char.pk}"
    event = json.loads(payload)
    assert event["value"] == 20.0
    assert [v["rule"] for v in event["violations"]] == [1]


def test_sparkplug_fed_violation_is_also_a_sparkplug_event(
    make_worker: Any, publisher: Publisher
) -> None:
    char = CharacteristicFactory(
        provider="MQTT",
        sparkplug_group="Ev",
        sparkplug_edge_node="edge",
        sparkplug_device="",
        sparkplug_metric="Bore",
        center_line=10.0,
        ucl=13.0,
        lcl=7.0,
        sigma=1.0,
    )
    worker = make_worker()
    publisher.publish(
        "spBv1.0/Ev/NBIRTH/edge",
        birth(0, (Metric(name="Bore", alias=1, datatype=DOUBLE, value=10.0),)),
    )
    stamp = 1_795_000_000_000
    publisher.publish(
        "spBv1.0/Ev/NDATA/edge",
        encode_payload(Payload(timestamp=stamp, seq=1, metrics=(Metric(alias=1, value=20.0),))),
    )
    wait_for(lambda: (worker.step(0.05), len(publisher.received) >= 2)[1])
    events = dict(publisher.received)
    assert json.loads(events[f"openspc/events/violations/{char.pk}"])["value"] == 20.0
    event = decode_payload(events[f"openspc/events/sparkplug/{char.pk}"])
    metrics = {m.name: m.value for m in event.metrics}
    (sample,) = samples(char)
    violation = sample.violations.get()
    assert event.timestamp == stamp
    assert metrics == {
        "Characteristic/Id": char.pk,
        "Sample/Id": sample.pk,
        "Sample/Value": 20.0,
        "Source/Group": "Ev",
        "Source/EdgeNode": "edge",
        "Source/Device": "",
        "Source/Metric": "Bore",
        "Violations/0/Id": violation.pk,
        "Violations/0/Rule": 1,
        "Violations/0/Severity": violation.severity,
    }


def test_a_repointed_characteristic_is_unsubscribed(make_worker: Any, publisher: Publisher) -> None:
    char = CharacteristicFactory(provider="MQTT", mqtt_topic="un/old")
    worker = make_worker()
    assert "un/old" in worker._subscribed
    char.mqtt_topic = "un/new"
    char.save()
    worker.subscribed.clear()
    worker.step(timeout=0)  # the reload
    assert worker.unsubscribed.wait(5)
    assert worker.subscribed.wait(5)
    assert "un/old" not in worker._subscribed
    publisher.publish("un/old", "1")  # nobody listens: not even a dead letter
    publisher.publish("un/new", "2")
    drive(worker, lambda: samples(char))
    assert [s.value for s in samples(char)] == [2.0]
    assert not DeadLetter.objects.exists()
