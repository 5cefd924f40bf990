"""``manage.py seed_demo``: the demo plant and, per characteristic, a history as a plant
builds it (phase I baseline, limits from it, phase II with the rules on)."""

import time
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from spc.demo_history import BASELINE, EVENTS, HISTORY, seed_demo_history
from spc.demo_plant import create_demo_plant


class Command(BaseCommand):
    help = (
        "Create the demo plant (an enterprise, two sites, lines and 20+ characteristics) and "
        "give each characteristic without samples a phase I baseline, control limits from "
        "it and a phase II history, all through the processing pipeline."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--baseline", type=int, default=BASELINE, help="Phase I subgroups (at least 2)."
        )
        parser.add_argument(
            "--history",
            type=int,
            default=HISTORY,
            help="Phase II subgroups per characteristic (0: limits only).",
        )
        parser.add_argument(
            "--events",
            type=int,
            default=EVENTS,
            help="Special causes in the phase II history across the plant.",
        )
        parser.add_argument("--seed", type=int, default=7, help="Random seed.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["baseline"] < 2:
            raise CommandError("--baseline must be at least 2: limits need a spread.")
        started = time.perf_counter()
        chars = create_demo_plant()
        self.stdout.write(self.style.SUCCESS(f"Demo plant ready: {len(chars)} characteristics."))
        report = seed_demo_history(
            baseline=options["baseline"],
            history=options["history"],
            events=options["events"],
            seed=options["seed"],
        )
        if not report.characteristics:
            self.stdout.write("History: every characteristic has samples already.")
            return
        self.stdout.write(
            f"History: {report.samples} samples for {report.characteristics} characteristics, "
            f"limits for {report.with_limits}, in {report.seconds:.2f} s "
            f"(seed in all: {time.perf_counter() - started:.2f} s)."
        )
        kinds = Counter(cause.kind.value for _, cause in report.events)
        if report.events:
            self.stdout.write(
                f"Special causes in the history: {dict(kinds)}; "
                f"{report.acknowledged} violations they raised acknowledged."
            )
