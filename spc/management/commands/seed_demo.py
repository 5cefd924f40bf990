"""``manage.py seed_demo``: the demo plant, a history for each characteristic, and limits."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ingest.simulator import seed_demo_history
from spc.demo_plant import create_demo_plant


class Command(BaseCommand):
    help = (
        "Create the demo plant (an enterprise, two sites, lines and 20+ characteristics) and "
        "give each characteristic without samples a history and control limits."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--history",
            type=int,
            default=40,
            help="Subgroups of history per empty characteristic (0: none).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        chars = create_demo_plant()
        self.stdout.write(self.style.SUCCESS(f"Demo plant ready: {len(chars)} characteristics."))
        if options["history"] > 0:
            stored, with_limits = seed_demo_history(options["history"])
            self.stdout.write(
                f"History: {stored} samples stored; limits calculated for {with_limits}."
            )
