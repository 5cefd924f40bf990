"""The audit trail as CSV: one row per entry, old and new values as JSON text."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator

from django.http import HttpResponse

from audit.models import AuditEntry

CSV_HEADER = [
    "time",
    "user",
    "action",
    "object_type",
    "object_id",
    "object",
    "reason",
    "signature_meaning",
    "old",
    "new",
]


def csv_rows(entries: Iterable[AuditEntry]) -> Iterator[list[str]]:
    """The header, then one row per entry (old/new as JSON text)."""
    yield CSV_HEADER
    for e in entries:
        yield [
            e.time.isoformat(),
            e.username,
            e.action,
            e.object_type,
            e.object_id,
            _csv_safe(e.object_repr),
            _csv_safe(e.reason),
            e.signature_meaning,
            json.dumps(e.old, sort_keys=True),
            json.dumps(e.new, sort_keys=True),
        ]


def _csv_safe(text: str) -> str:
    """Neutralise spreadsheet formulas in user-supplied text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def csv_response(entries: Iterable[AuditEntry], filename: str = "audit-trail.csv") -> HttpResponse:
    """The entries as a CSV attachment."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    for row in csv_rows(entries):
        writer.writerow(row)
    return response
