"""``manage.py notifications``: retry due notification deliveries and escalate, once or in a
loop — for a deployment without celery beat (the embedded default), where nothing else
runs ``alerts.retry_due_deliveries`` and ``alerts.escalate_violations``."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from alerts.notifications import tasks


class Command(BaseCommand):
    help = "Retry due notification e-mails/webhooks and send escalations (once, or --loop)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop", action="store_true", help="Repeat every --every seconds until stopped."
        )
        parser.add_argument("--every", type=float, default=30.0)

    def handle(self, *args: Any, **options: Any) -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        stop = threading.Event()
        while True:
            tried = tasks.retry_due()
            escalated = tasks.escalate()
            if tried or escalated or not options["loop"]:
                self.stdout.write(f"retried {tried} deliveries, {len(escalated)} escalations")
            if not options["loop"] or stop.wait(options["every"]):
                return
