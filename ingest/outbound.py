"""Violation events of samples that did not come over MQTT (forms, REST), to the broker.

The ingest worker publishes the events of the samples it stores itself, after their
commit. Any other process that stores samples (the web server, a management command)
publishes the events of its own through this module when ``MQTT_URL`` is set: one paho
client per process, started on the first event, reconnecting in its own thread. Events
are sent after the commit at QoS 1; the client queues them while the broker is away, in
memory, like the live chart events. A failure is logged and counted, never raised into
the request that stored the sample.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from typing import Any

import paho.mqtt.client as mqtt
from django.conf import settings
from paho.mqtt.enums import CallbackAPIVersion

from ingest import dead_letters
from ingest.events import violation_events
from ingest.mapping import SparkplugKey
from ingest.mqtt_client import configure_for_url
from spc.choices import SampleSource
from spc.models import Characteristic
from spc.pipeline.processing import ProcessResult

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_clients: dict[str, mqtt.Client] = {}


def publish_violations(sender: Any, results: list[ProcessResult], **kwargs: Any) -> None:
    """Receiver of ``spc.pipeline.signals.violations_raised``: publish the events of the samples
    that did not come over MQTT."""
    url = getattr(settings, "MQTT_URL", "")
    mine = [r for r in results if r.sample.source != SampleSource.MQTT]
    if not url or not mine:
        return
    try:
        sources = _sparkplug_sources({r.sample.characteristic_id for r in mine})
        client = _client(url)
        for result in mine:
            for topic, payload in violation_events(
                result,
                sources.get(result.sample.characteristic_id),
                settings.OPENSPC_EVENTS_TOPIC,
                settings.OPENSPC_SPARKPLUG_EVENTS_TOPIC,
            ):
                client.publish(topic, payload, qos=1)
    except Exception:  # an event must never fail the request that stored the sample
        logger.exception("could not publish %d violation events", len(mine))
        dead_letters.count("outbound.failed", len(mine))


def _sparkplug_sources(ids: set[int]) -> dict[int, SparkplugKey]:
    rows = Characteristic.objects.filter(pk__in=ids).exclude(sparkplug_metric="")
    return {
        pk: (group, edge_node, device, metric)
        for pk, group, edge_node, device, metric in rows.values_list(
            "pk", "sparkplug_group", "sparkplug_edge_node", "sparkplug_device", "sparkplug_metric"
        )
    }


def _client(url: str) -> mqtt.Client:
    """This process's publishing client for ``url``, connecting in the background."""
    with _lock:
        client = _clients.get(url)
        if client is not None:
            return client
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"openspc-events-{os.getpid()}-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv5,
        )
        host, port = configure_for_url(client, url)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.connect_async(host, port)
        client.loop_start()
        _clients[url] = client
        return client


def stop() -> None:
    """Disconnect every client (tests; a process shutting down)."""
    with _lock:
        for client in _clients.values():
            client.disconnect()
            client.loop_stop()
        _clients.clear()
