"""Prometheus exposition at /metrics: ingest counters, pipeline latency, violations,
WebSocket clients and celery queue depth."""

from __future__ import annotations

import pytest
import redis
from django.test import Client, override_settings
from prometheus_client.parser import text_string_to_metric_families

from alerts.models import Violation
from alerts.tests.factories import ReasonCodeFactory
from conftest import require_service
from ingest.models import IngestCounter
from openspc import metrics
from spc.pipeline.processing import SubgroupInput, process, process_many
from spc.tests.factories import CharacteristicFactory, SampleFactory

pytestmark = pytest.mark.django_db


def scrape(client: Client, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition keyed by (name, sorted labels)."""
    response = client.get("/metrics", **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    values = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def value(samples: dict, metric: str, **labels: str) -> float:
    return samples.get((metric, tuple(sorted(labels.items()))), 0.0)


def test_ingest_counters_are_exported_by_kind() -> None:
    IngestCounter.increment("messages", 7)
    IngestCounter.increment("measurements", 21)
    IngestCounter.increment("dead_letter.invalid_json", 2)
    IngestCounter.increment("dead_letter.unknown_topic")
    IngestCounter.increment("redelivered", 3)
    samples = scrape(Client())
    assert value(samples, "openspc_ingest_messages_total") == 7
    assert value(samples, "openspc_ingest_measurements_total") == 21
    assert value(samples, "openspc_ingest_dead_letters_total", reason="invalid_json") == 2
    assert value(samples, "openspc_ingest_dead_letters_total", reason="unknown_topic") == 1
    assert value(samples, "openspc_ingest_counter_total", name="redelivered") == 3


def test_pipeline_latency_and_violations_by_rule_are_counted() -> None:
    char = CharacteristicFactory(center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)
    timed = process  # the pipeline records its own figures
    client = Client()
    before = scrape(client)
    timed(SubgroupInput(char.pk, (10.0,), source="REST"))
    result = timed(SubgroupInput(char.pk, (20.0,), source="REST"))  # beyond the UCL
    assert [v.rule for v in result.violations] == [1]
    after = scrape(client)

    def delta(metric: str, **labels: str) -> float:
        return value(after, metric, **labels) - value(before, metric, **labels)

    assert delta("openspc_pipeline_seconds_count", source="REST") == 2
    assert delta("openspc_pipeline_seconds_sum", source="REST") > 0
    assert delta("openspc_pipeline_samples_total", source="REST", created="true") == 2
    assert delta("openspc_violations_raised_total", rule="1", severity="CRITICAL") == 1
    assert value(after, "openspc_violations_unacknowledged", rule="1", severity="CRITICAL") == 1


def test_refused_items_of_a_batch_are_counted_by_error() -> None:
    char = CharacteristicFactory()
    before = metrics.PIPELINE_REJECTED.labels("MQTT", "InputError")._value.get()
    stored = metrics.PIPELINE_SAMPLES.labels("MQTT", "true")._value.get()
    results = process_many(
        [
            SubgroupInput(char.pk, (1.0,), source="MQTT"),
            SubgroupInput(char.pk, (float("inf"),), source="MQTT"),
        ]
    )
    assert [type(r).__name__ for r in results] == ["ProcessResult", "InputError"]
    assert metrics.PIPELINE_REJECTED.labels("MQTT", "InputError")._value.get() - before == 1
    assert metrics.PIPELINE_SAMPLES.labels("MQTT", "true")._value.get() - stored == 1


def test_refused_subgroups_are_counted_by_error_and_still_raised() -> None:
    char = CharacteristicFactory()
    timed = process
    before = metrics.PIPELINE_REJECTED.labels("MANUAL", "InputError")._value.get()
    with pytest.raises(Exception, match="finite"):
        timed(SubgroupInput(char.pk, (float("nan"),)))
    after = metrics.PIPELINE_REJECTED.labels("MANUAL", "InputError")._value.get()
    assert after - before == 1


def test_unacknowledged_violations_leave_the_gauge_once_acknowledged() -> None:
    sample = SampleFactory()
    violation = Violation.objects.create(
        sample=sample, characteristic=sample.characteristic, rule=2, severity="WARNING"
    )
    client = Client()
    assert value(scrape(client), "openspc_violations_unacknowledged", rule="2", severity="WARNING")
    Violation.objects.filter(pk=violation.pk).update(
        acknowledged_at=sample.timestamp, reason_code=ReasonCodeFactory()
    )
    samples = scrape(client)
    assert value(samples, "openspc_violations_unacknowledged", rule="2", severity="WARNING") == 0


def test_websocket_clients_gauge_follows_connect_and_disconnect() -> None:
    client = Client()
    start = value(scrape(client), "openspc_websocket_clients")
    metrics.websocket_connected()
    metrics.websocket_connected()
    metrics.websocket_disconnected()
    assert value(scrape(client), "openspc_websocket_clients") == start + 1
    metrics.websocket_disconnected()


def test_a_metrics_token_is_required_when_configured() -> None:
    client = Client()
    with override_settings(OPENSPC_METRICS_TOKEN="s3cret"):
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
        samples = scrape(client, HTTP_AUTHORIZATION="Bearer s3cret")
    assert ("openspc_ingest_messages_total", ()) in samples


def test_no_queue_depth_without_a_redis_broker() -> None:
    with override_settings(CELERY_BROKER_URL="memory://"):
        samples = scrape(Client())
    assert not any(name == "openspc_celery_queue_length" for name, _ in samples)


@pytest.mark.services
def test_celery_queue_depth_is_read_from_redis() -> None:
    require_service(6379, "redis")
    url = "redis://127.0.0.1:6379/13"
    queue = "openspc-test-metrics"
    client = redis.Redis.from_url(url)
    client.delete(queue)
    client.rpush(queue, "a", "b", "c")
    try:
        with override_settings(CELERY_BROKER_URL=url, CELERY_TASK_DEFAULT_QUEUE=queue):
            samples = scrape(Client())
    finally:
        client.delete(queue)
        client.close()
    assert value(samples, "openspc_celery_queue_length", queue=queue) == 3


@pytest.mark.parametrize("amount", [0.0004, 0.03, 2.5, 1e6])
def test_observing_a_batch_at_once_leaves_what_one_call_per_item_leaves(amount: float) -> None:
    from prometheus_client import CollectorRegistry, Histogram

    def exposition(once: bool) -> dict[tuple[str, str], float]:
        registry = CollectorRegistry()
        histogram = Histogram("waited", "w", ["source"], registry=registry).labels("MQTT")
        if once:
            metrics._observe_times(histogram, amount, 7)
        else:
            for _ in range(7):
                histogram.observe(amount)
        return {
            (sample.name, sample.labels.get("le", "")): sample.value
            for family in registry.collect()
            for sample in family.samples
            if not sample.name.endswith("_created")
        }

    assert exposition(once=True) == pytest.approx(exposition(once=False))
