"""``manage.py simulate``: publish the demo plant's live data to an MQTT broker.

Plain JSON readings on each MQTT characteristic's topic (the worker rebuilds subgroups), or
with ``--sparkplug`` an edge node per line with NBIRTH/DBIRTH and DDATA by alias (the
characteristics are pointed at those metrics first). Run ``manage.py ingest`` beside it.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any
from urllib.parse import unquote, urlparse

import paho.mqtt.client as mqtt
from django.core.management.base import BaseCommand, CommandParser
from paho.mqtt.enums import CallbackAPIVersion

from ingest.simulator import (
    EVENTS_PER_HOUR,
    SparkplugEdge,
    demo_models,
    map_to_sparkplug,
    plain_messages,
    readings,
    set_event_rate,
    sparkplug_metric_name,
)
from spc.models import Characteristic


class Command(BaseCommand):
    help = "Publish simulated measurements of the demo plant (plain JSON or Sparkplug B)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default=os.environ.get("MQTT_URL") or "mqtt://127.0.0.1:1883")
        parser.add_argument("--rate", type=float, default=10.0, help="Messages per second.")
        parser.add_argument("--count", type=int, default=0, help="Stop after N (0: run on).")
        parser.add_argument("--sparkplug", action="store_true", help="Publish Sparkplug B.")
        parser.add_argument(
            "--events-per-hour",
            type=float,
            default=EVENTS_PER_HOUR,
            help="Special causes (shift, trend, outlier) per hour across the plant.",
        )
        parser.add_argument("--seed", type=int, default=None, help="Random seed.")

    def handle(self, *args: Any, **options: Any) -> None:
        url = urlparse(options["url"])
        client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        if url.username:
            client.username_pw_set(unquote(url.username), unquote(url.password or ""))
        if url.scheme in ("mqtts", "ssl"):
            client.tls_set()
        client.connect(url.hostname or "127.0.0.1", url.port or 1883)
        client.loop_start()
        models = demo_models(seed=options["seed"])
        # One message per reading: an x-bar subgroup of n values takes n messages.
        readings_per_subgroup = sum(
            1 if m.attribute else max(1, m.subgroup_size) for m in models
        ) / max(1, len(models))
        set_event_rate(
            models, options["events_per_hour"], options["rate"] * 3600 / readings_per_subgroup
        )
        chars = {
            c.pk: c
            for c in Characteristic.objects.select_related("hierarchy").filter(
                pk__in=[m.characteristic_id for m in models]
            )
        }
        messages = (
            self._sparkplug(client, chars, models)
            if options["sparkplug"]
            else plain_messages(chars, models, uuid.uuid4().hex[:8])
        )
        pause = 1.0 / options["rate"] if options["rate"] > 0 else 0.0
        sent = 0
        started = time.monotonic()
        try:
            for topic, payload in messages:
                client.publish(topic, payload, qos=1)
                sent += 1
                if options["count"] and sent >= options["count"]:
                    break
                delay = started + sent * pause - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
        except KeyboardInterrupt:
            pass
        finally:
            client.loop_stop()
            client.disconnect()
        self.stdout.write(f"published {sent} messages")

    def _sparkplug(
        self, client: mqtt.Client, chars: dict[int, Characteristic], models: list[Any]
    ) -> Any:
        map_to_sparkplug(list(chars.values()))
        edges: dict[str, SparkplugEdge] = {}
        for char in chars.values():
            edge = edges.setdefault(char.hierarchy.code, SparkplugEdge(char.hierarchy.code, []))
            edge.metrics.append(sparkplug_metric_name(char))
        # A host that missed the births asks for them again with NCMD Node Control/Rebirth.
        rebirth: set[str] = set(edges)
        client.on_message = lambda c, u, m: rebirth.add(m.topic.rsplit("/", 1)[-1])
        client.subscribe("spBv1.0/OpenSPC/NCMD/+", qos=1)
        while True:
            for model in models:
                while rebirth:
                    asked = edges.get(rebirth.pop())
                    if asked is not None:
                        yield from asked.births(int(time.time() * 1000))
                char = chars[model.characteristic_id]
                edge = edges[char.hierarchy.code]
                for value, _ in readings(model):
                    yield edge.data(sparkplug_metric_name(char), value, int(time.time() * 1000))
