"""Violations of samples from forms and REST reach the broker as events too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings

from ingest import outbound
from ingest.sparkplug import decode_payload
from ingest.tests.broker import Broker, Publisher, wait_for
from spc.pipeline.processing import SubgroupInput, process
from spc.tests.factories import CharacteristicFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db]


@pytest.fixture
def to_broker(broker: Broker) -> Iterator[None]:
    with override_settings(MQTT_URL=broker.url):
        yield
    outbound.stop()


def limited(**fields: Any) -> Any:
    return CharacteristicFactory(center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0, **fields)


def test_a_manual_violation_is_published_after_commit(
    to_broker: None, publisher: Publisher, django_capture_on_commit_callbacks: Any
) -> None:
    char = limited()
    with django_capture_on_commit_callbacks(execute=True):
        process(SubgroupInput(characteristic_id=char.pk, measurements=(10.5,), source="MANUAL"))
        result = process(
            SubgroupInput(characteristic_id=char.pk, measurements=(20.0,), source="REST")
        )
    ((topic, payload),) = wait_for(lambda: publisher.received)
    assert topic == f"openspc/events/violations/{char.pk}"
    event = json.loads(payload)
    assert (event["sample_id"], event["value"]) == (result.sample.pk, 20.0)
    assert [v["rule"] for v in event["violations"]] == [1]


def test_a_sparkplug_fed_characteristic_gets_both_events(
    to_broker: None, publisher: Publisher, django_capture_on_commit_callbacks: Any
) -> None:
    char = limited(
        provider="MQTT", sparkplug_group="G", sparkplug_edge_node="E", sparkplug_metric="m"
    )
    with django_capture_on_commit_callbacks(execute=True):
        process(SubgroupInput(characteristic_id=char.pk, measurements=(20.0,), source="MANUAL"))
    events = dict(wait_for(lambda: len(publisher.received) == 2 and publisher.received))
    metrics = {
        m.name: m.value
        for m in decode_payload(events[f"openspc/events/sparkplug/{char.pk}"]).metrics
    }
    assert metrics["Source/Metric"] == "m"
    assert metrics["Violations/0/Rule"] == 1


def test_mqtt_samples_are_left_to_the_worker(
    to_broker: None, publisher: Publisher, django_capture_on_commit_callbacks: Any
) -> None:
    from_mqtt, manual = limited(), limited()
    with django_capture_on_commit_callbacks(execute=True):
        process(SubgroupInput(characteristic_id=from_mqtt.pk, measurements=(20.0,), source="MQTT"))
    with django_capture_on_commit_callbacks(execute=True):
        process(SubgroupInput(characteristic_id=manual.pk, measurements=(20.0,), source="MANUAL"))
    # One client, QoS 1, in order: an event of the MQTT sample would have come first.
    ((topic, _),) = wait_for(lambda: publisher.received)
    assert topic == f"openspc/events/violations/{manual.pk}"
