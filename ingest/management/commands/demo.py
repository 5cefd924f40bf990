"""``manage.py demo``: the whole product in one process on the embedded default.

Migrates the SQLite database, creates the demo plant with a history and control limits,
creates the first administrator with a random password when there is no user yet (printed
once; there is no default password), starts the simulator in a background thread (it feeds
the MQTT characteristics through the pipeline, so the in-memory channel layer reaches the
browsers without any broker), then serves HTTP and WebSocket with daphne.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from ingest.simulator import InProcessSimulator, demo_models, seed_demo_history
from spc.demo_plant import create_demo_plant


class Command(BaseCommand):
    help = "Run OpenSPC with the demo plant on the embedded default (SQLite, in-memory layer)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", default="8000")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--no-serve", action="store_true", help="Prepare the database and exit."
        )
        parser.add_argument(
            "--no-simulate", action="store_true", help="Serve without live simulated data."
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=5.0,
            help="Seconds between two subgroups of one simulated characteristic.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", verbosity=0, interactive=False)
        chars = create_demo_plant()
        self.stdout.write(f"Demo plant: {len(chars)} characteristics.")
        stored, with_limits = seed_demo_history()
        if stored:
            self.stdout.write(f"History: {stored} samples; limits for {with_limits}.")
        self._ensure_first_admin()
        if options["no_serve"]:
            return
        if not options["no_simulate"]:
            simulator = InProcessSimulator(demo_models(), interval=options["interval"])
            simulator.start()
            self.stdout.write(
                f"Simulator: {len(simulator.models)} characteristics, one subgroup each "
                f"every {options['interval']:g} s."
            )
        self.stdout.write(
            self.style.SUCCESS(f"OpenSPC on http://{options['host']}:{options['port']}/")
        )
        call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False)

    def _ensure_first_admin(self) -> None:
        user_model = get_user_model()
        if user_model.objects.exists():
            return
        password = secrets.token_urlsafe(12)
        user_model.objects.create_superuser("admin", "", password)
        banner = "=" * 64
        self.stdout.write(
            self.style.WARNING(
                f"{banner}\nFirst administrator created.\n  user:     admin\n"
                f"  password: {password}\nChange it after logging in; it is shown only once."
                f"\n{banner}"
            )
        )
