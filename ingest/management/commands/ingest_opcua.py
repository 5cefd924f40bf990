"""``manage.py ingest_opcua``: run the OPC UA ingest worker until SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ingest.opcua.config import load_config
from ingest.opcua.worker import OpcUaOptions, OpcUaWorker
from openspc.gc_tuning import freeze_startup_objects
from openspc.metrics import start_worker_metrics_server
from spc.pipeline import events


class Command(BaseCommand):
    help = (
        "Subscribe to the OPC UA endpoints configured in the admin (Ingest › OPC UA endpoints) "
        "and store their nodes' values as samples."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument(
            "--linger-ms",
            type=float,
            default=50.0,
            help="Milliseconds to wait for more values after the first of a batch.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        logging.getLogger("asyncua").setLevel(logging.WARNING)
        config = load_config()
        self.stdout.write(
            f"OPC UA worker: {len(config.endpoints)} endpoint(s), {len(config.nodes)} node(s)"
        )
        worker = OpcUaWorker(
            OpcUaOptions(
                batch_size=options["batch_size"], linger=max(0.0, options["linger_ms"]) / 1000
            )
        )
        events.start_background_loop()  # live events leave without holding up a batch
        freeze_startup_objects()
        if start_worker_metrics_server():
            self.stdout.write(f"metrics on :{os.environ['OPENSPC_METRICS_PORT']}/metrics")
        worker.run()
        self.stdout.write("OPC UA worker stopped")
