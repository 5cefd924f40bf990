"""Per-topic rate limits in the worker, against a real Mosquitto.

Each test lets the whole burst reach the worker's queue before the worker takes any of
it, so every message meets the limit at the same instant and the counts are exact.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from ingest.mapping import load_mapping
from ingest.models import DeadLetter, IngestCounter
from ingest.rate_limits import TopicLimit
from ingest.tests.broker import Publisher, wait_for
from ingest.tests.test_worker import drive
from spc.models import Sample
from spc.tests.factories import CharacteristicFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def burst(worker: Any, publisher: Publisher, topic: str, count: int) -> None:
    for i in range(count):
        publisher.publish(topic, json.dumps({"value": i, "id": f"{topic}-{i}"}))
    wait_for(lambda: worker.queue.qsize() == count)


def stored_values(topic: str) -> list[float]:
    return list(
        Sample.objects.filter(characteristic__mqtt_topic=topic)
        .order_by("id")
        .values_list("value", flat=True)
    )


def test_drop_oldest_keeps_the_newest_and_dead_letters_the_rest(
    make_worker: Any, publisher: Publisher
) -> None:
    CharacteristicFactory(
        provider="MQTT", mqtt_topic="rl/drop", mqtt_rate_limit=2.0, mqtt_max_held=3
    )
    CharacteristicFactory(provider="MQTT", mqtt_topic="rl/free")
    worker = make_worker()
    burst(worker, publisher, "rl/drop", 10)
    publisher.publish("rl/free", "1")
    started = time.monotonic()
    # 2 pass at once (a second's worth), 3 are held, the 5 oldest of those waiting drop.
    drive(worker, lambda: len(stored_values("rl/drop")) == 5)
    elapsed = time.monotonic() - started
    assert stored_values("rl/drop") == [0, 1, 7, 8, 9]
    dropped = DeadLetter.objects.filter(reason="rate_limited").order_by("id")
    assert [json.loads(bytes(d.payload))["value"] for d in dropped] == [2, 3, 4, 5, 6]
    assert {d.topic for d in dropped} == {"rl/drop"}
    counters = dict(IngestCounter.objects.values_list("name", "value"))
    assert counters["dead_letter.rate_limited"] == 5
    assert elapsed >= 1.4  # the three held ones went at 0.5 s intervals
    assert stored_values("rl/free") == [1]  # another topic was not held up


def test_block_drops_nothing_and_keeps_the_order(make_worker: Any, publisher: Publisher) -> None:
    CharacteristicFactory(
        provider="MQTT",
        mqtt_topic="rl/block",
        mqtt_rate_limit=5.0,
        mqtt_max_held=2,
        mqtt_backpressure="BLOCK",
    )
    worker = make_worker()
    burst(worker, publisher, "rl/block", 10)
    started = time.monotonic()
    drive(worker, lambda: len(stored_values("rl/block")) == 10)
    elapsed = time.monotonic() - started
    assert stored_values("rl/block") == list(range(10))
    assert not DeadLetter.objects.exists()
    assert elapsed >= 0.9  # 5 at once, then one every 0.2 s
    assert worker.limiter.held() == 0


def test_only_plain_topics_with_a_rate_get_a_limit() -> None:
    plain = CharacteristicFactory(
        provider="MQTT", mqtt_topic="rl/a", mqtt_rate_limit=3.0, mqtt_backpressure="BLOCK"
    )
    sparkplug = CharacteristicFactory(
        provider="MQTT",
        sparkplug_group="G",
        sparkplug_edge_node="E",
        sparkplug_metric="m",
        mqtt_rate_limit=3.0,
    )
    unlimited = CharacteristicFactory(provider="MQTT", mqtt_topic="rl/b")
    mapping = load_mapping()
    assert mapping.limited
    assert mapping.targets[plain.pk].limit == TopicLimit(3.0, 1000, "BLOCK")
    assert mapping.targets[sparkplug.pk].limit is None
    assert mapping.targets[unlimited.pk].limit is None
