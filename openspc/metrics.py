"""Prometheus metrics at ``/metrics`` (text exposition format, prometheus-client).

Two kinds of figures:

- **In-process** (this process's registry): pipeline latency histogram and samples
  processed (the pipeline reports each batch to ``observe_batch``), violations raised by
  rule and severity, and the open WebSocket clients (``websocket_connected`` /
  ``websocket_disconnected``, called by the live consumer). With
  ``PROMETHEUS_MULTIPROC_DIR`` set, every process on the host writes to that directory
  and ``/metrics`` sums them (prometheus-client's multiprocess mode).
- **Shared, read at scrape time** from the database and Redis, so one scrape of any web
  process covers every ingest worker: the ``ingest.models.IngestCounter`` rows (messages,
  measurements, dead letters by reason, anything else as ``openspc_ingest_counter``),
  unacknowledged violations by rule, and the length of each celery queue when the broker
  is Redis.

``OPENSPC_METRICS_TOKEN``, when set, must come as ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    start_http_server,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
DEAD_LETTER_PREFIX = "dead_letter."
MESSAGES_COUNTER = "messages"
MEASUREMENTS_COUNTER = "measurements"

PIPELINE_SECONDS = Histogram(
    "openspc_pipeline_seconds",
    "Time spc.pipeline.processing.process takes per subgroup (validate, evaluate, store, commit).",
    ["source"],
    buckets=LATENCY_BUCKETS,
)
PIPELINE_SAMPLES = Counter(
    "openspc_pipeline_samples",
    "Subgroups through the pipeline by source; created=false is an idempotent replay.",
    ["source", "created"],
)
PIPELINE_REJECTED = Counter(
    "openspc_pipeline_rejected",
    "Subgroups the pipeline refused, by exception class.",
    ["source", "error"],
)
VIOLATIONS_RAISED = Counter(
    "openspc_violations_raised",
    "Rule violations raised by this process's pipeline, by rule and severity.",
    ["rule", "severity"],
)
INGEST_WAITING = Gauge(
    "openspc_ingest_waiting",
    "Messages an ingest worker has received and not yet processed: its queue and the "
    "messages its topics' rate limits hold.",
    multiprocess_mode="livesum",
)
WEBSOCKET_CLIENTS = Gauge(
    "openspc_websocket_clients",
    "Open live WebSocket connections.",
    multiprocess_mode="livesum",
)


Outcome = tuple[str, str | None, bool, Sequence[tuple[int, str]]]
"""One subgroup's outcome as the pipeline reports it: its source, the error class that
refused it (or None), whether it was created (not a replay), and the (rule, severity) of
each violation it raised. Plain values, so metrics knows nothing of the pipeline's types."""


def observe_batch(outcomes: Iterable[Outcome], seconds: float) -> None:
    """Record one batch of the pipeline: each stored or replayed item waited ``seconds``.

    A refused item is counted by its error class; a stored or replayed one by source and
    whether it was created, with the violations it raised by rule. Label children are
    looked up once per distinct label set and counters added once per batch (a lookup per
    sample was a thirtieth of the ingest worker's time).
    """
    waited: dict[str, int] = {}
    samples: dict[tuple[str, str], int] = {}
    rejected: dict[tuple[str, str], int] = {}
    raised: dict[tuple[str, str], int] = {}
    for source, error, created, violations in outcomes:
        source = source or "UNKNOWN"
        if error is not None:
            key = (source, error)
            rejected[key] = rejected.get(key, 0) + 1
            continue
        waited[source] = waited.get(source, 0) + 1
        label = "true" if created else "false"
        samples[(source, label)] = samples.get((source, label), 0) + 1
        if created:
            for rule, severity in violations:
                key = (str(rule), severity)
                raised[key] = raised.get(key, 0) + 1
    for source, count in waited.items():
        _observe_times(PIPELINE_SECONDS.labels(source), seconds, count)
    for labels, count in samples.items():
        PIPELINE_SAMPLES.labels(*labels).inc(count)
    for labels, count in rejected.items():
        PIPELINE_REJECTED.labels(*labels).inc(count)
    for labels, count in raised.items():
        VIOLATIONS_RAISED.labels(*labels).inc(count)


def _observe_times(histogram: Any, amount: float, times: int) -> None:
    """``histogram.observe(amount)`` done ``times`` times, as one update: the sum grows by
    ``amount * times`` and the one bucket ``amount`` falls in by ``times``, which is what
    that many calls leave. Reads prometheus_client's own fields (pinned in
    requirements.txt; ``openspc/tests`` compares the two ways); falls back to the calls."""
    bounds = getattr(histogram, "_upper_bounds", None)
    buckets = getattr(histogram, "_buckets", None)
    total = getattr(histogram, "_sum", None)
    if bounds is None or buckets is None or total is None:
        for _ in range(times):
            histogram.observe(amount)
        return
    total.inc(amount * times)
    for index, bound in enumerate(bounds):
        if amount <= bound:
            buckets[index].inc(times)
            break


def websocket_connected() -> None:
    """A live WebSocket was accepted (call once per accepted connection)."""
    WEBSOCKET_CLIENTS.inc()


def websocket_disconnected() -> None:
    """A live WebSocket that was accepted closed."""
    WEBSOCKET_CLIENTS.dec()


def celery_queue_names() -> list[str]:
    """The celery queues to measure: the default queue and any configured ones."""
    names = [getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery") or "celery"]
    for queue in getattr(settings, "CELERY_TASK_QUEUES", None) or ():
        name = getattr(queue, "name", queue)
        if isinstance(name, str) and name not in names:
            names.append(name)
    return names


class SharedStateCollector(Collector):
    """Figures every process shares, read from the database and Redis at scrape time."""

    def describe(self) -> list[Metric]:
        """Nothing at registration: reading the database then would run before migrations."""
        return []

    def collect(self) -> Iterator[Metric]:
        """Yield ingest counters, unacknowledged violations and celery queue lengths."""
        for read in (self._ingest, self._violations, self._queues):
            try:
                yield from read()
            except Exception:  # a scrape reports what it can; the rest is logged
                logger.exception("metrics: %s failed", read.__name__)

    def _ingest(self) -> Iterator[Metric]:
        # Models by label: the apps report to metrics, so metrics imports none of them.
        counters = apps.get_model("ingest", "IngestCounter")._default_manager

        messages = CounterMetricFamily(
            "openspc_ingest_messages", "MQTT messages the ingest workers received."
        )
        measurements = CounterMetricFamily(
            "openspc_ingest_measurements", "Measurements the ingest workers stored."
        )
        dead = CounterMetricFamily(
            "openspc_ingest_dead_letters", "Messages turned into dead letters.", labels=["reason"]
        )
        other = CounterMetricFamily(
            "openspc_ingest_counter", "Other ingest counters by name.", labels=["name"]
        )
        message_total = measurement_total = 0.0
        for name, value in counters.values_list("name", "value"):
            if name == MESSAGES_COUNTER:
                message_total = float(value)
            elif name == MEASUREMENTS_COUNTER:
                measurement_total = float(value)
            elif name.startswith(DEAD_LETTER_PREFIX):
                dead.add_metric([name.removeprefix(DEAD_LETTER_PREFIX)], float(value))
            else:
                other.add_metric([name], float(value))
        messages.add_metric([], message_total)
        measurements.add_metric([], measurement_total)
        yield from (messages, measurements, dead, other)

    def _violations(self) -> Iterator[Metric]:
        violations = apps.get_model("alerts", "Violation")._default_manager

        family = GaugeMetricFamily(
            "openspc_violations_unacknowledged",
            "Stored violations nobody has acknowledged, by rule and severity.",
            labels=["rule", "severity"],
        )
        rows = (
            violations.filter(acknowledged_at__isnull=True)
            .order_by()
            .values("rule", "severity")
            .annotate(n=Count("id"))
        )
        for row in rows:
            family.add_metric([str(row["rule"]), row["severity"]], float(row["n"]))
        yield family

    def _queues(self) -> Iterator[Metric]:
        url = str(getattr(settings, "CELERY_BROKER_URL", "") or "")
        if not url.startswith(("redis://", "rediss://", "unix://")):
            return
        import redis

        family = GaugeMetricFamily(
            "openspc_celery_queue_length", "Tasks waiting in a celery queue.", labels=["queue"]
        )
        client = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        try:
            for name in celery_queue_names():
                family.add_metric([name], float(client.llen(name)))
        finally:
            client.close()
        yield family


SHARED_STATE = SharedStateCollector()
REGISTRY.register(SHARED_STATE)


def registry_for_scrape() -> CollectorRegistry:
    """This process's registry, or every process's figures in multiprocess mode."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(SHARED_STATE)
    return registry


def metrics_token() -> str:
    """The bearer token ``/metrics`` requires (empty: open, e.g. behind a private network)."""
    return str(
        getattr(settings, "OPENSPC_METRICS_TOKEN", "")
        or os.environ.get("OPENSPC_METRICS_TOKEN")
        or ""
    )


@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    """The Prometheus text exposition of every metric (see the module docstring)."""
    token = metrics_token()
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return HttpResponse("metrics token required\n", status=401, content_type="text/plain")
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encode(registry_for_scrape()), content_type=content_type)


def start_worker_metrics_server(port: int | None = None) -> bool:
    """Serve this process's metrics on ``port`` (default ``OPENSPC_METRICS_PORT``) from a
    background thread, for processes without HTTP such as ``manage.py ingest``.

    Returns False when no port is configured.
    """
    port = port if port is not None else int(os.environ.get("OPENSPC_METRICS_PORT") or 0)
    if not port:
        return False
    start_http_server(port, registry=registry_for_scrape())
    return True
