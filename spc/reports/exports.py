"""Export tables as row generators, and CSV streamed in bounded memory.

Every table is a list of columns plus a generator of raw rows read with
``.iterator(chunk_size=...)``, so a million measurements never sit in memory at once. The
CSV, XLSX and PDF writers all read the same generators, so the formats always agree; how
each writes a value (the plant's time zone, the characteristic's decimals, readable
headers) is in :mod:`spc.reports.cells`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping

from django.http import StreamingHttpResponse

from spc.core.errors import InputError
from spc.core.rule_texts import rule_text
from spc.models import Measurement
from spc.reports import streaming
from spc.reports.capability_export import CAPABILITY_KEYS, capability_row, capability_table
from spc.reports.cells import BOOL, COUNT, DATETIME, INT, NUMBER, Column, Row, Table, csv_formatter
from spc.reports.quality_export import annotation_table, correction_table
from spc.reports.scope import ReportScope

#: Rows fetched from the database per round trip.
CHUNK_SIZE = 5000
#: Rows written into one chunk of the HTTP stream.
ROWS_PER_CHUNK = 1000

__all__ = ["CAPABILITY_KEYS", "Row", "Table", "capability_row", "capability_table"]

CHARACTERISTIC = [
    Column("characteristic_id", "Characteristic ID", INT, 12),
    Column("characteristic", "Characteristic", width=24),
    Column("node", "Node", width=18),
]
SAMPLE_CONTEXT = [
    Column("batch_number", "Batch", width=14),
    Column("part_number", "Part", width=12),
    Column("operator", "Operator", width=14),
    Column("source", "Source", width=9),
]
MEASUREMENT_COLUMNS = [
    *CHARACTERISTIC,
    Column("sample_id", "Sample ID", INT, 10),
    Column("timestamp", "Timestamp", DATETIME, 20),
    Column("position", "Position", INT, 9),
    Column("value", "Value", NUMBER, 11),
    Column("unit", "Unit", width=8),
    Column("is_excluded", "Excluded", BOOL, 9),
    *SAMPLE_CONTEXT,
]
SUBGROUP_COLUMNS = [
    *CHARACTERISTIC,
    Column("sample_id", "Sample ID", INT, 10),
    Column("timestamp", "Timestamp", DATETIME, 20),
    Column("n", "n", COUNT, 6),
    Column("value", "Plotted value", NUMBER, 12),
    Column("secondary_value", "R, S or MR", NUMBER, 11),
    Column("mean", "Mean", NUMBER, 11, extra=1),
    Column("range", "Range", NUMBER, 10),
    Column("std_dev", "Std dev", NUMBER, 10, extra=1),
    Column("count", "Defects or defectives", COUNT, 11),
    Column("sample_size", "Sample size", COUNT, 10),
    Column("center_line", "CL", NUMBER, 10),
    Column("ucl", "UCL", NUMBER, 10),
    Column("lcl", "LCL", NUMBER, 10),
    Column("zone", "Zone", width=8),
    Column("is_undersized", "Undersized", BOOL, 10),
    Column("is_excluded", "Excluded", BOOL, 9),
    Column("exclusion_reason", "Exclusion reason", width=24),
    *SAMPLE_CONTEXT,
]
VIOLATION_COLUMNS = [
    Column("violation_id", "Violation ID", INT, 11),
    Column("created_at", "Raised at", DATETIME, 20),
    *CHARACTERISTIC,
    Column("sample_id", "Sample ID", INT, 10),
    Column("sample_timestamp", "Sample time", DATETIME, 20),
    Column("rule", "Rule", INT, 6),
    Column("rule_name", "Rule name", width=36),
    Column("severity", "Severity", width=10),
    Column("episode", "Episode", INT, 9),
    Column("acknowledged_at", "Acknowledged at", DATETIME, 20),
    Column("acknowledged_by", "Acknowledged by", width=16),
    Column("reason_code", "Reason code", width=14),
    Column("comment", "Comment", width=36),
    Column("minutes_to_acknowledge", "Minutes to acknowledge", NUMBER, 12, decimals=1),
]


def measurement_table(scope: ReportScope) -> Table:
    """One row per measurement: the raw values, with their sample's context."""
    names = _characteristic_names(scope)
    qs = Measurement.objects.filter(sample__characteristic_id__in=list(names))
    if scope.start is not None:
        qs = qs.filter(sample__timestamp__gte=scope.start)
    if scope.end is not None:
        qs = qs.filter(sample__timestamp__lte=scope.end)
    qs = qs.order_by("sample_id", "position")
    fields = (
        "sample__characteristic_id",
        "sample_id",
        "sample__timestamp",
        "position",
        "value",
        "sample__is_excluded",
        "sample__batch_number",
        "sample__part_number",
        "sample__operator",
        "sample__source",
    )

    units = _units(scope)

    def rows() -> Iterator[Row]:
        for (
            char_id,
            sample_id,
            ts,
            pos,
            value,
            excluded,
            batch,
            part,
            operator,
            source,
        ) in qs.values_list(*fields).iterator(chunk_size=CHUNK_SIZE):
            name, node = names[char_id]
            yield [char_id, name, node, sample_id, ts, pos + 1, value, units[char_id], excluded,
                   batch, part, operator, source]  # fmt: skip

    return Table(
        "measurements", "Measurements", MEASUREMENT_COLUMNS, rows(), qs.count, _decimals(scope)
    )


def subgroup_table(scope: ReportScope) -> Table:
    """One row per sample (subgroup): its statistics, chart value and limits in force."""
    names = _characteristic_names(scope)
    qs = scope.samples().order_by("id")
    fields = [
        "characteristic_id", "id", "timestamp", "actual_n", "value", "secondary_value",
        "mean", "range", "std_dev", "count", "sample_size", "center_line", "ucl", "lcl",
        "zone", "is_undersized", "is_excluded", "exclusion_reason", "batch_number",
        "part_number", "operator", "source",
    ]  # fmt: skip

    def rows() -> Iterator[Row]:
        for row in qs.values_list(*fields).iterator(chunk_size=CHUNK_SIZE):
            name, node = names[row[0]]
            yield [row[0], name, node, *row[1:]]

    return Table("subgroups", "Subgroups", SUBGROUP_COLUMNS, rows(), qs.count, _decimals(scope))


def violation_table(scope: ReportScope) -> Table:
    """One row per violation with its acknowledgement (who, when, why, how long after)."""
    names = _characteristic_names(scope)
    configs = {c.pk: (c.rules, c.chart_type) for c in scope.characteristics()}
    qs = scope.violations().order_by("created_at", "id")
    fields = (
        "id", "created_at", "characteristic_id", "sample_id", "sample__timestamp", "rule",
        "severity", "episode", "acknowledged_at", "acknowledged_by__username",
        "reason_code__code", "comment",
    )  # fmt: skip

    def rows() -> Iterator[Row]:
        for (
            vid,
            created,
            char_id,
            sample_id,
            sample_ts,
            rule,
            severity,
            episode,
            acked_at,
            *rest,
        ) in qs.values_list(*fields).iterator(chunk_size=CHUNK_SIZE):
            by, reason, comment = rest
            name, node = names[char_id]
            text = rule_name(rule, *configs[char_id])
            minutes = (acked_at - created).total_seconds() / 60 if acked_at else None
            yield [
                vid, created, char_id, name, node, sample_id, sample_ts, rule,
                text, severity, episode, acked_at, by or "", reason or "",
                comment, minutes,
            ]  # fmt: skip

    return Table("violations", "Violations", VIOLATION_COLUMNS, rows(), qs.count)


TABLES: dict[str, Callable[[ReportScope], Table]] = {
    "measurements": measurement_table,
    "subgroups": subgroup_table,
    "violations": violation_table,
    "capability": capability_table,
    "annotations": annotation_table,
    "corrections": correction_table,
}


def table(kind: str, scope: ReportScope) -> Table:
    """The table named ``kind`` (measurements, subgroups, violations, capability,
    annotations, corrections)."""
    try:
        return TABLES[kind](scope)
    except KeyError as exc:
        raise InputError(
            "kind", f"Unknown report {kind!r}; choose one of {sorted(TABLES)}."
        ) from exc


def rule_name(
    rule: int, rules: Mapping[str, object] | None = None, chart_type: str | None = None
) -> str:
    """The rule's text as configured on its characteristic (``rules``, ``chart_type``),
    e.g. "8 in a row on one side of the centre line": ``spc.core.rule_texts.rule_text``."""
    return rule_text(rule, rules, chart_type)


def csv_chunks(t: Table, rows: Iterable[Row] | None = None) -> Iterator[str]:
    """CSV text of ``t`` in chunks of about ``ROWS_PER_CHUNK`` rows, header first.

    ``rows`` (default ``t.rows``) are written as :func:`spc.reports.cells.csv_formatter`
    says: ISO 8601 timestamps with the plant zone's offset (the zone named in the header),
    values with the characteristic's decimals.
    """
    format_row = csv_formatter(t.columns, t.decimals)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(t.header)
    pending = 1
    for row in t.rows if rows is None else rows:
        writer.writerow(format_row(row))
        pending += 1
        if pending >= ROWS_PER_CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue()


def csv_response(t: Table, filename: str, *, asgi: bool = False) -> StreamingHttpResponse:
    """Stream ``t`` as a CSV attachment; memory stays bounded whatever the row count.

    Pass ``asgi=True`` under daphne (see :mod:`spc.reports.streaming`).
    """
    chunks = csv_chunks(t)
    return streaming.attachment(chunks, filename=filename, content_type="text/csv", asgi=asgi)


def filename(kind: str, scope: ReportScope, extension: str) -> str:
    """E.g. ``measurements_line-1_20261101_20261130.csv``."""
    return f"{kind}_{scope.slug()}.{extension}"


def _characteristic_names(scope: ReportScope) -> dict[int, tuple[str, str]]:
    """id -> (characteristic name, node name) for the scope: a small lookup, not a join."""
    return {c.pk: (c.name, c.hierarchy.name) for c in scope.characteristics()}


def _units(scope: ReportScope) -> dict[int, str]:
    """id -> the characteristic's unit."""
    return dict(scope.characteristics().values_list("pk", "unit"))


def _decimals(scope: ReportScope) -> Callable[[Row], int]:
    """The decimal places of a row's characteristic (its id is the row's first value)."""
    places = dict(scope.characteristics().values_list("pk", "decimal_places"))
    return lambda row: places.get(row[0], 3)
