"""``manage.py seed_demo``: create the demo plant with its characteristics."""

from typing import Any

from django.core.management.base import BaseCommand

from spc.demo_plant import create_demo_plant


class Command(BaseCommand):
    help = "Create the demo plant: an enterprise, two sites, lines and 20+ characteristics."

    def handle(self, *args: Any, **options: Any) -> None:
        chars = create_demo_plant()
        self.stdout.write(self.style.SUCCESS(f"Demo plant ready: {len(chars)} characteristics."))
