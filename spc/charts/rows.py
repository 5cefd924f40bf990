"""Sample rows of a chart read straight from the database cursor.

``QuerySet.values()`` runs each column of each row through Django's converters (on SQLite
a timestamp is parsed in Python, a boolean converted one by one): for a 500-point chart
that was most of the query's cost. The same SQL, compiled by the ORM, is executed here and
only the kinds of column that need it (times, flags, JSON) are converted, with C-speed
built-ins.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import connections
from django.db.models import QuerySet

TIME_FIELDS = frozenset({"timestamp", "received_at"})
FLAG_FIELDS = frozenset({"is_excluded", "is_undersized"})
JSON_FIELDS = frozenset({"state"})


def fetch_rows(qs: QuerySet[Any], fields: Sequence[str]) -> list[dict[str, Any]]:
    """The rows of ``qs.values_list(*fields)`` as dicts, as ``values()`` would give them.

    Times come back aware (UTC) on every backend; flags as ``bool``.
    """
    sql, params = qs.values_list(*fields).query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.fetchall()
    rows = [dict(zip(fields, row, strict=True)) for row in raw]
    times = [name for name in fields if name in TIME_FIELDS]
    flags = [name for name in fields if name in FLAG_FIELDS]
    documents = [name for name in fields if name in JSON_FIELDS]
    for row in rows:
        for name in times:
            row[name] = _aware(row[name])
        for name in flags:
            row[name] = bool(row[name])
        for name in documents:  # JSON text on both backends (Django reads jsonb as text)
            if isinstance(row[name], str):
                row[name] = json.loads(row[name])
    return rows


def _aware(value: Any) -> Any:
    """A stored time as an aware datetime: SQLite returns text, PostgreSQL a datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value
