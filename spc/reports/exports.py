"""Export tables as row generators, and CSV streamed in bounded memory.

Every table is a header plus a generator of rows read with ``.iterator(chunk_size=...)``,
so a million measurements never sit in memory at once. The CSV, XLSX and PDF writers all
read the same generators, so the three formats always agree.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import StreamingHttpResponse

from spc.core.errors import InputError
from spc.core.rule_texts import rule_text
from spc.core.types import ChartType
from spc.models import Measurement
from spc.reports import streaming
from spc.reports.capability_study import capability_study
from spc.reports.scope import ReportScope

#: Rows fetched from the database per round trip.
CHUNK_SIZE = 5000
#: Rows written into one chunk of the HTTP stream.
ROWS_PER_CHUNK = 1000

Row = list[Any]


@dataclass(frozen=True)
class Table:
    """One exportable table: its title, column names, a row generator and a row count."""

    kind: str
    title: str
    header: list[str]
    rows: Iterator[Row]
    count: Callable[[], int]


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
        "sample__operator",
        "sample__source",
    )

    def rows() -> Iterator[Row]:
        for char_id, sample_id, ts, pos, value, excluded, batch, operator, source in qs.values_list(
            *fields
        ).iterator(chunk_size=CHUNK_SIZE):
            name, node = names[char_id]
            yield [char_id, name, node, sample_id, _when(ts), pos + 1, value, excluded, batch,
                   operator, source]  # fmt: skip

    header = ["characteristic_id", "characteristic", "node", "sample_id", "timestamp"]
    header += ["position", "value", "is_excluded", "batch_number", "operator", "source"]
    return Table("measurements", "Measurements", header, rows(), qs.count)


def subgroup_table(scope: ReportScope) -> Table:
    """One row per sample (subgroup): its statistics, chart value and limits in force."""
    names = _characteristic_names(scope)
    qs = scope.samples().order_by("id")
    fields = [
        "characteristic_id", "id", "timestamp", "actual_n", "value", "secondary_value",
        "mean", "range", "std_dev", "count", "sample_size", "center_line", "ucl", "lcl",
        "zone", "is_undersized", "is_excluded", "exclusion_reason", "batch_number",
        "operator", "source",
    ]  # fmt: skip

    def rows() -> Iterator[Row]:
        for row in qs.values_list(*fields).iterator(chunk_size=CHUNK_SIZE):
            name, node = names[row[0]]
            yield [row[0], name, node, row[1], _when(row[2]), *row[3:]]

    header = ["characteristic_id", "characteristic", "node", "sample_id", "timestamp", "n"]
    header += fields[4:]
    return Table("subgroups", "Subgroups", header, rows(), qs.count)


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
                vid, _when(created), char_id, name, node, sample_id, _when(sample_ts), rule,
                text, severity, episode, _when(acked_at), by or "", reason or "",
                comment, None if minutes is None else round(minutes, 2),
            ]  # fmt: skip

    header = [
        "violation_id", "created_at", "characteristic_id", "characteristic", "node",
        "sample_id", "sample_timestamp", "rule", "rule_name", "severity", "episode",
        "acknowledged_at", "acknowledged_by", "reason_code", "comment", "minutes_to_acknowledge",
    ]  # fmt: skip
    return Table("violations", "Violations", header, rows(), qs.count)


CAPABILITY_HEADER = [
    "characteristic_id", "characteristic", "node", "unit", "usl", "lsl", "target",
    "sample_count", "excluded_count", "n", "mean", "sigma_within", "sigma_within_source",
    "sigma_overall", "cp", "cpk", "cpk_lower", "cpk_upper", "pp", "ppk", "cpm",
    "anderson_darling", "normality_p_value", "is_normal", "verdict", "note",
]  # fmt: skip


def capability_table(scope: ReportScope) -> Table:
    """One row per variables characteristic: the capability study over the period."""
    chars = [c for c in scope.characteristics() if ChartType(c.chart_type).is_variable]

    def rows() -> Iterator[Row]:
        for char in chars:
            yield capability_row(char, scope)

    return Table("capability", "Capability", CAPABILITY_HEADER, rows(), lambda: len(chars))


def capability_row(char: Any, scope: ReportScope) -> Row:
    """The capability summary of one characteristic; a note instead of numbers when the
    study cannot be computed (no spec limit, too few values, zero spread)."""
    head = [char.pk, char.name, char.hierarchy.name, char.unit, char.usl, char.lsl, char.target]
    try:
        s = capability_study(char, start=scope.start, end=scope.end)
    except InputError as exc:
        return [*head, *[None] * (len(CAPABILITY_HEADER) - len(head) - 2), "", exc.message]
    normality = s["normality"] or {}
    return [
        *head, s["sample_count"], s["excluded_count"], s["n"], s["mean"], s["sigma_within"],
        s["sigma_within_source"] or "", s["sigma_overall"], s["cp"], s["cpk"], s["cpk_lower"],
        s["cpk_upper"], s["pp"], s["ppk"], s["cpm"], normality.get("statistic"),
        normality.get("p_value"), normality.get("is_normal"), s["verdict"], "",
    ]  # fmt: skip


TABLES: dict[str, Callable[[ReportScope], Table]] = {
    "measurements": measurement_table,
    "subgroups": subgroup_table,
    "violations": violation_table,
    "capability": capability_table,
}


def table(kind: str, scope: ReportScope) -> Table:
    """The table named ``kind`` (measurements, subgroups, violations, capability)."""
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


def csv_chunks(header: list[str], rows: Iterable[Row]) -> Iterator[str]:
    """CSV text in chunks of about ``ROWS_PER_CHUNK`` rows (header first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    pending = 1
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
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
    chunks = csv_chunks(t.header, t.rows)
    return streaming.attachment(chunks, filename=filename, content_type="text/csv", asgi=asgi)


def filename(kind: str, scope: ReportScope, extension: str) -> str:
    """E.g. ``measurements_line-1_20261101_20261130.csv``."""
    return f"{kind}_{scope.slug()}.{extension}"


def _characteristic_names(scope: ReportScope) -> dict[int, tuple[str, str]]:
    """id -> (characteristic name, node name) for the scope: a small lookup, not a join."""
    return {c.pk: (c.name, c.hierarchy.name) for c in scope.characteristics()}


def _when(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""
