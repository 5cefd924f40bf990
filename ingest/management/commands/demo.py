"""``manage.py demo``: the whole product in one process on the embedded default.

Migrates the SQLite database, creates the demo plant with a history and control limits
(``seed_demo``: a phase I baseline, limits from it, a phase II history with the rules on),
creates the first administrator with a random password when there is no user yet (printed
once; there is no default password), starts the simulator in a background thread (it feeds
the MQTT characteristics through the pipeline, so the in-memory channel layer reaches the
browsers without any broker; the processes are in control but for a few special causes an
hour), then serves HTTP and WebSocket with daphne.

It serves as a small plant runs it (``make run`` is the embedded default, and that is
production for many): DEBUG off whatever ``OPENSPC_DEBUG`` says, unless ``--debug`` asks
for Django's debug pages, so a missing page is the product's 404, never a page listing the
URL patterns; static files come from WhiteNoise; localhost and the address served on are
allowed hosts.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from ingest.simulator import EVENTS_PER_HOUR, InProcessSimulator, demo_models, set_event_rate


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
        parser.add_argument(
            "--events-per-hour",
            type=float,
            default=EVENTS_PER_HOUR,
            help="Special causes (shift, trend, outlier) per hour across the simulated plant.",
        )
        parser.add_argument("--seed", type=int, default=None, help="Simulator random seed.")
        parser.add_argument(
            "--debug",
            action="store_true",
            help="Django's debug pages (development only: they show settings and URLs).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        serve_settings(debug=options["debug"], host=options["host"])
        call_command("migrate", verbosity=0, interactive=False)
        call_command("seed_demo", stdout=self.stdout)
        self._ensure_first_admin()
        if options["no_serve"]:
            return
        if not options["no_simulate"]:
            models = demo_models(seed=options["seed"])
            per_hour = len(models) * 3600 / options["interval"] if options["interval"] > 0 else 0
            set_event_rate(models, options["events_per_hour"], per_hour)
            simulator = InProcessSimulator(models, interval=options["interval"])
            simulator.start()
            self.stdout.write(
                f"Simulator: {len(models)} characteristics, one subgroup each every "
                f"{options['interval']:g} s, about {options['events_per_hour']:g} special "
                "causes an hour."
            )
        self.stdout.write(
            self.style.SUCCESS(f"OpenSPC on http://{options['host']}:{options['port']}/")
        )
        if options["host"] in WILDCARD_HOSTS:
            self.stdout.write(
                "Listening on every interface: set OPENSPC_ALLOWED_HOSTS to the names and "
                "addresses tablets use (other names get a 400)."
            )
        if settings.DEBUG:
            self.stdout.write(self.style.WARNING("DEBUG is on (--debug): development only."))
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


LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")
WILDCARD_HOSTS = ("0.0.0.0", "::", "[::]")


def serve_settings(*, debug: bool = False, host: str = "127.0.0.1") -> None:
    """Settings ``manage.py demo`` serves with: DEBUG as asked (off by default, whatever
    the environment says) and the local names plus ``host`` among the allowed hosts."""
    settings.DEBUG = debug
    wanted = [*LOCAL_HOSTS, host] if host not in WILDCARD_HOSTS else list(LOCAL_HOSTS)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS] + [
        name for name in wanted if name not in settings.ALLOWED_HOSTS
    ]
