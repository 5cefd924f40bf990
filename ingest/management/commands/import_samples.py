"""``manage.py import_samples FILE``: import a CSV or XLSX file of historical samples.

Scans the file first and prints every problem; with ``--preview`` stops there. Otherwise
runs the import job in this process (bad rows are skipped and listed) and prints what it
stored. Importing the same file again stores nothing twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ingest.imports import runner, services
from ingest.imports.models import Import, ImportState
from spc.core.errors import InputError

OPTIONS = (
    ("timestamp_column", "column holding each row's time (required)"),
    ("characteristic_column", "column naming the characteristic (id, name or MQTT topic)"),
    ("value_column", "long layout: the column holding one measurement per row"),
    ("subgroup_column", "long layout: the column whose value groups rows into a subgroup"),
    ("count_column", "attribute charts: defects or defectives"),
    ("sample_size_column", "attribute charts: items inspected"),
    ("batch_column", "batch number"),
    ("operator_column", "operator"),
    ("part_column", "part number (short-run charts: DNOM, Z-MR)"),
    ("time_zone", "zone of times without an offset (default: the plant's TIME_ZONE)"),
    ("date_format", "strptime format when the times are in neither ISO nor dd.mm.yyyy form"),
    ("delimiter", "CSV delimiter (default: detected)"),
    ("decimal", "decimal separator . or , (default: ',' for ';'-separated files)"),
    ("sheet", "XLSX sheet (default: the first)"),
)


class Command(BaseCommand):
    help = "Import historical samples from a CSV or XLSX file through the pipeline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--characteristic", type=int, help="one characteristic (id)")
        parser.add_argument(
            "--value-columns", help="wide layout: measurement columns, comma-separated"
        )
        parser.add_argument("--layout", choices=["wide", "long"], default="wide")
        for name, text in OPTIONS:
            parser.add_argument(f"--{name.replace('_', '-')}", help=text)
        parser.add_argument("--preview", action="store_true", help="scan only, store nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        mapping = {
            name: options.get(name)
            for name in ("characteristic", "value_columns", "layout", *(n for n, _ in OPTIONS))
        }
        try:
            record, found = services.from_path(path, mapping)
        except InputError as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from exc
        self.stdout.write(
            f"{found.rows} rows, {found.subgroups} subgroups, {found.problem_count} problems"
            + ("" if found.in_time_order else " (not in time order: they will be sorted)")
        )
        self._problems(record.problems)
        if options["preview"]:
            return
        record = runner.run(record, None, self._progress)
        self.stdout.write("")
        self.stdout.write(
            f"{record.state}: {record.stored} stored, {record.replayed} stored before, "
            f"{record.refused} refused, {record.violations} violations"
        )
        self._problems(record.problems[len(found.problems) :])
        if record.state != ImportState.DONE:
            raise CommandError(record.message)

    def _progress(self, record: Import) -> None:
        self.stdout.write(f"\r{record.percent:3d}% {record.rows_done} rows", ending="")
        self.stdout.flush()

    def _problems(self, problems: list[dict[str, Any]]) -> None:
        for problem in problems[:50]:
            column = f", column {problem['column']!r}" if problem["column"] else ""
            self.stdout.write(f"row {problem['row']}{column}: {problem['message']}")
        if len(problems) > 50:
            self.stdout.write(f"… and {len(problems) - 50} more (see the admin).")
