"""The quality-record tables of the exports (issue 23): annotations of the charts and the
signed sample corrections, for the scope's characteristics and period (CSV, XLSX)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from django.db.models import Q

from spc.quality_records import Annotation, SampleCorrection
from spc.reports.cells import DATETIME, INT, Column, Row, Table
from spc.reports.scope import ReportScope

CHUNK_SIZE = 2000
PLACE = [
    Column("characteristic_id", "Characteristic ID", INT, 12),
    Column("characteristic", "Characteristic", width=24),
    Column("node", "Node", width=18),
]
ANNOTATION_COLUMNS = [
    *PLACE,
    Column("annotation_id", "Annotation ID", INT, 11),
    Column("kind", "Kind", width=12),
    Column("text", "Note", width=40),
    Column("sample_id", "Sample ID", INT, 10),
    Column("start", "From", DATETIME, 20),
    Column("end", "To", DATETIME, 20),
    Column("created_by", "By", width=14),
]
CORRECTION_COLUMNS = [
    *PLACE,
    Column("sample_id", "Sample ID", INT, 10),
    Column("corrected_at", "Corrected at", DATETIME, 20),
    Column("corrected_by", "Signed by", width=14),
    Column("old_values", "Before", width=24),
    Column("new_values", "After", width=24),
    Column("reason", "Reason", width=40),
]


def _names(scope: ReportScope) -> dict[int, tuple[str, str]]:
    return {c.pk: (c.name, c.hierarchy.name) for c in scope.characteristics()}


def annotation_table(scope: ReportScope) -> Table:
    """One row per annotation overlapping the period."""
    names = _names(scope)
    qs = Annotation.objects.filter(characteristic__in=list(names))
    if scope.end is not None:
        qs = qs.filter(start__lte=scope.end)
    if scope.start is not None:
        qs = qs.filter(Q(end__gte=scope.start) | Q(end__isnull=True, start__gte=scope.start))
    qs = qs.order_by("start", "id")
    fields = ("characteristic_id", "id", "kind", "text", "sample_id", "start", "end")

    def rows() -> Iterator[Row]:
        for row in qs.values_list(*fields, "created_by__username").iterator(chunk_size=CHUNK_SIZE):
            name, node = names[row[0]]
            yield [row[0], name, node, *row[1:-1], row[-1] or ""]

    return Table("annotations", "Annotations", ANNOTATION_COLUMNS, rows(), qs.count)


def correction_table(scope: ReportScope) -> Table:
    """One row per signed correction of a sample taken within the period."""
    names = _names(scope)
    qs = SampleCorrection.objects.filter(sample__in=scope.samples().values("pk")).order_by(
        "corrected_at", "id"
    )
    fields = ("characteristic_id", "sample_id", "corrected_at", "corrected_by__username")

    def rows() -> Iterator[Row]:
        for *row, old, new, reason in qs.values_list(
            *fields, "old_values", "new_values", "reason"
        ).iterator(chunk_size=CHUNK_SIZE):
            name, node = names[row[0]]
            yield [
                row[0], name, node, row[1], row[2], row[3] or "",
                json.dumps(old, sort_keys=True), json.dumps(new, sort_keys=True), reason,
            ]  # fmt: skip

    return Table("corrections", "Corrections", CORRECTION_COLUMNS, rows(), qs.count)
