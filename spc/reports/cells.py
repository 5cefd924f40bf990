"""How an exported value is written: columns with a kind, the plant's time zone, decimals.

The export tables (:mod:`spc.reports.exports`) yield raw values: aware datetimes as
stored (UTC), floats at full precision. The writers format them here, one column kind at
a time, so that CSV and XLSX agree:

* date-times are shown in the plant's time zone (``settings.TIME_ZONE``, set with
  ``OPENSPC_TIME_ZONE``). CSV writes ISO 8601 with the UTC offset in every timestamp
  (``2026-11-02T09:00:00+01:00``) and names the zone in the column header
  ("Timestamp (Europe/Berlin)"); XLSX writes real date-time cells (Excel has no zones,
  so the local wall time) with the number format ``yyyy-mm-dd hh:mm:ss`` under the same
  header;
* measured values are rounded to the characteristic's ``decimal_places`` (plus
  ``extra`` for statistics such as a mean or a sigma) and written with exactly that many
  decimals (XLSX: a number format such as ``0.000``; the cell holds the rounded number);
* counts that are whole numbers are written as integers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from django.conf import settings
from django.utils import timezone

TEXT = "text"
INT = "int"
NUMBER = "number"
COUNT = "count"
DATETIME = "datetime"
BOOL = "bool"

DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"

Row = list[Any]
Decimals = Callable[[Row], int]


@dataclass(frozen=True)
class Column:
    """One exported column.

    ``key`` is the stable machine name (API field, JSON key), ``label`` the header a
    person reads, ``kind`` how values are written, ``width`` the XLSX column width in
    characters. A NUMBER column has ``decimals`` fixed digits, or, with None, the row's
    characteristic's decimals plus ``extra``.
    """

    key: str
    label: str
    kind: str = TEXT
    width: int = 12
    decimals: int | None = None
    extra: int = 0


def three_decimals(row: Row) -> int:
    """The default decimals of a row without a characteristic."""
    return 3


@dataclass(frozen=True)
class Table:
    """One exportable table: its title, columns, a row generator and a row count.

    Rows hold raw values (aware datetimes, full-precision floats) in column order;
    ``decimals`` gives the characteristic's decimal places of a row (for NUMBER columns).
    """

    kind: str
    title: str
    columns: list[Column]
    rows: Iterator[Row]
    count: Callable[[], int]
    decimals: Decimals = three_decimals

    @property
    def header(self) -> list[str]:
        """The readable header (date-time columns name the plant's zone)."""
        return header(self.columns)

    @property
    def keys(self) -> list[str]:
        """The stable machine names of the columns."""
        return [c.key for c in self.columns]


def plant_zone() -> tzinfo:
    """The plant's time zone (``settings.TIME_ZONE``)."""
    return timezone.get_default_timezone()


def zone_name() -> str:
    """The plant's time zone's name, e.g. "Europe/Berlin"."""
    return str(settings.TIME_ZONE)


def header(columns: Sequence[Column]) -> list[str]:
    """The readable header: date-time columns name the plant's time zone."""
    zone = zone_name()
    return [f"{c.label} ({zone})" if c.kind == DATETIME else c.label for c in columns]


def local(moment: datetime) -> datetime:
    """An aware datetime in the plant's time zone (naive ones are taken as UTC)."""
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(plant_zone())


def digits(column: Column, row: Row, decimals: Decimals) -> int:
    """How many decimals ``column`` shows in ``row``."""
    if column.decimals is not None:
        return column.decimals
    return max(0, decimals(row) + column.extra)


def whole(value: Any) -> Any:
    """A float that is a whole number as an int (5.0 → 5); anything else unchanged."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def csv_formatter(columns: Sequence[Column], decimals: Decimals) -> Callable[[Row], Row]:
    """A function turning a raw row into CSV fields (see the module docstring).

    The text of the last timestamp of each column is remembered: the rows of a sample's
    measurements share its time, and the zone conversion is the costly part of a row.
    """
    zone = plant_zone()
    special = [(i, c) for i, c in enumerate(columns) if c.kind in (NUMBER, COUNT, DATETIME)]
    formats = {places: f"{{:.{places}f}}".format for places in range(16)}
    last: dict[int, tuple[datetime, str]] = {}

    def format_row(row: Row) -> Row:
        out = ["" if v is None else v for v in row]
        for i, column in special:
            value = row[i]
            if value is None:
                continue
            if column.kind == DATETIME:
                seen = last.get(i)
                if seen is None or seen[0] != value:
                    seen = last[i] = (value, value.astimezone(zone).isoformat())
                out[i] = seen[1]
            elif column.kind == NUMBER:
                out[i] = formats[min(digits(column, row, decimals), 15)](value)
            else:
                out[i] = whole(value)
        return out

    return format_row


def number_format(places: int) -> str:
    """Excel's number format with ``places`` fixed decimals: "0", "0.0", "0.000" ..."""
    return "0." + "0" * places if places > 0 else "0"
