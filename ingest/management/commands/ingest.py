"""``manage.py ingest``: run the MQTT / Sparkplug B ingest worker until SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ingest.worker import IngestWorker, WorkerOptions
from openspc.gc_tuning import freeze_startup_objects
from openspc.metrics import start_worker_metrics_server
from spc.pipeline import events


class Command(BaseCommand):
    help = "Subscribe to the MQTT broker and store the mapped characteristics' measurements."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url",
            default=os.environ.get("MQTT_URL", "mqtt://127.0.0.1:1883"),
            help="mqtt://user:password@host:port (mqtts:// for TLS); default $MQTT_URL.",
        )
        parser.add_argument("--client-id", default="openspc-ingest")
        parser.add_argument("--tls", action="store_true", help="Connect with TLS.")
        parser.add_argument("--ca-file", default=None, help="CA bundle for TLS.")
        parser.add_argument("--host-id", default="openspc", help="Sparkplug host id (STATE).")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=WorkerOptions.batch_size,
            help="Most messages stored in one transaction (default %(default)s).",
        )
        parser.add_argument(
            "--linger-ms",
            type=float,
            default=20.0,
            help="Milliseconds to wait for more messages after the first of a batch.",
        )
        parser.add_argument(
            "--partition",
            default=None,
            help="INDEX/COUNT: this worker takes characteristics with id %% COUNT == INDEX.",
        )
        parser.add_argument(
            "--events-topic",
            default=settings.OPENSPC_EVENTS_TOPIC,
            help="Violations are published as JSON to TOPIC/<characteristic id>.",
        )
        parser.add_argument(
            "--sparkplug-events-topic",
            default=settings.OPENSPC_SPARKPLUG_EVENTS_TOPIC,
            help="Violations of Sparkplug-fed characteristics are also published as "
            "Sparkplug B payloads to TOPIC/<characteristic id>.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        partition = None
        if options["partition"]:
            try:
                index, count = (int(p) for p in options["partition"].split("/"))
            except ValueError as exc:
                raise CommandError("--partition must be INDEX/COUNT, e.g. 0/2") from exc
            if not 0 <= index < count:
                raise CommandError("--partition INDEX must be in 0..COUNT-1")
            partition = (index, count)
        worker = IngestWorker(
            WorkerOptions(
                url=options["url"],
                client_id=options["client_id"],
                tls=options["tls"],
                ca_file=options["ca_file"],
                host_id=options["host_id"],
                batch_size=options["batch_size"],
                linger=max(0.0, options["linger_ms"]) / 1000,
                partition=partition,
                events_topic=options["events_topic"],
                sparkplug_events_topic=options["sparkplug_events_topic"],
            )
        )
        self.stdout.write(f"ingest worker {options['client_id']} on {options['url']}")
        events.start_background_loop()  # live events leave without holding up a batch
        freeze_startup_objects()
        if start_worker_metrics_server():
            self.stdout.write(f"metrics on :{os.environ['OPENSPC_METRICS_PORT']}/metrics")
        worker.run()
        self.stdout.write("ingest worker stopped")
