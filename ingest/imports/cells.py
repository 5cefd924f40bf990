"""Cells to values: numbers with a decimal comma or point, times with a zone, Excel serials.

Each parser returns the value or raises ``CellError`` with a sentence a person can act on.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ingest.imports.reading import Cell

EXCEL_EPOCH = datetime(1899, 12, 30)
"""Day 0 of Excel's 1900 date system (serial 1 = 1900-01-01, counting Excel's 29 Feb 1900)."""
EXCEL_MIN, EXCEL_MAX = 1.0, 2958465.0  # 1900-01-01 .. 9999-12-31
DAY_FIRST_FORMATS = (
    "%d.%m.%Y %H:%M:%S.%f",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
)
_SPACES = re.compile(r"[\s\u00a0\u202f']")
_DAY_FIRST = re.compile(
    r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?)?"
    r"|(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?"
)
"""What ``DAY_FIRST_FORMATS`` read, as one pattern: ``strptime`` took 5 us a try and a
``dd.mm.yyyy hh:mm`` cell tried three formats (a quarter of an import row's CPU)."""


class CellError(ValueError):
    """A cell that cannot be read, with the reason in plain words."""


def zone_named(name: str) -> tzinfo:
    """The time zone of an IANA name (``Europe/Berlin``) or UTC; ``CellError`` if unknown."""
    if not name or name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CellError(f"Unknown time zone {name!r}: use a name like Europe/Berlin.") from exc


def is_blank(cell: Cell) -> bool:
    """An empty cell (nothing, or only spaces)."""
    return cell is None or (isinstance(cell, str) and not cell.strip())


def number(cell: Cell, decimal: str) -> float:
    """A finite number from a cell; ``decimal`` is ``","`` or ``"."`` for text cells."""
    if isinstance(cell, bool | datetime):
        raise CellError(f"{_shown(cell)} is not a number.")
    if isinstance(cell, int | float):
        value = float(cell)
    else:
        text = _SPACES.sub("", str(cell or ""))
        if not text:
            raise CellError("is empty.")
        other = "." if decimal == "," else ","
        if other in text:
            if decimal not in text and decimal == ",":
                raise CellError(
                    f"{_shown(cell)} uses '.' but this file's decimal separator is ','; "
                    "check the number or choose '.' as the decimal separator."
                )
            if decimal not in text:
                raise CellError(
                    f"{_shown(cell)} uses ',' but this file's decimal separator is '.'; "
                    "check the number or choose ',' as the decimal separator."
                )
            text = text.replace(other, "")  # thousands separators: 1.234,5 / 1,234.5
        text = text.replace(decimal, ".")
        try:
            value = float(text)
        except ValueError as exc:
            raise CellError(f"{_shown(cell)} is not a number.") from exc
    if not math.isfinite(value):
        raise CellError(f"{_shown(cell)} is not a finite number.")
    return value


def count(cell: Cell, decimal: str) -> float:
    """A count or sample size: a number that is whole and not negative."""
    value = number(cell, decimal)
    if value < 0 or value != int(value):
        raise CellError(f"{_shown(cell)} is not a whole number of zero or more.")
    return value


def timestamp(cell: Cell, zone: tzinfo, date_format: str = "") -> datetime:
    """An aware date-time from a cell: a date cell, an Excel serial number, ISO 8601,
    ``dd.mm.yyyy hh:mm[:ss]``, ``dd/mm/yyyy …`` or ``date_format`` (strptime). Times
    without an offset are in ``zone``."""
    if isinstance(cell, datetime):
        stamp = cell
    elif isinstance(cell, int | float) and not isinstance(cell, bool):
        stamp = excel_serial(float(cell))
    else:
        text = str(cell or "").strip()
        if not text:
            raise CellError("is empty: every row needs its time.")
        stamp = _parse_text(text, date_format)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=zone)
        if zone is not UTC and stamp.astimezone(UTC).astimezone(zone) != stamp:
            raise CellError(
                f"{_shown(cell)} does not exist in {zone}: the clocks skipped it "
                "(daylight saving). Give the time with its UTC offset."
            )
    return stamp


def _parse_text(text: str, date_format: str) -> datetime:
    if date_format:
        try:
            return datetime.strptime(text, date_format)
        except ValueError as exc:
            raise CellError(f"'{text}' does not match the date format {date_format}.") from exc
    day_first = _day_first(text)
    if day_first is not None:
        return day_first
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        pass
    for fmt in DAY_FIRST_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        return excel_serial(float(text.replace(",", ".")))
    except (ValueError, CellError):
        pass
    raise CellError(
        f"'{text}' is not a date-time: use 2026-03-01 14:05:00, 01.03.2026 14:05 or give "
        "the date format."
    )


def _day_first(text: str) -> datetime | None:
    """``text`` read by the first of ``DAY_FIRST_FORMATS`` that fits, as ``strptime`` would
    read it; None where none fits or the date does not exist (the caller then tries
    everything else and words the error)."""
    if "." not in text[1:3] and "/" not in text[1:3]:
        return None  # no day-first separator after the day (ISO texts: fromisoformat's)
    found = _DAY_FIRST.fullmatch(text)
    if found is None:
        return None
    parts = found.groups()
    if parts[0] is None:  # dd/mm/yyyy: no fraction of a second
        day, month, year, hour, minute, second = parts[7:]
        fraction = None
    else:
        day, month, year, hour, minute, second, fraction = parts[:7]
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int(fraction.ljust(6, "0")) if fraction else 0,
        )
    except ValueError:
        return None


def excel_serial(serial: float) -> datetime:
    """A naive date-time from an Excel serial day number (1900 date system)."""
    if not EXCEL_MIN <= serial <= EXCEL_MAX:
        raise CellError(f"{serial:g} is not a date-time (out of range as an Excel date serial).")
    # Millisecond rounding: Excel stores times as fractions of a day in binary.
    return EXCEL_EPOCH + timedelta(milliseconds=round(serial * 86_400_000))


def text(cell: Cell) -> str:
    """A cell as stripped text (numbers without a trailing .0)."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _shown(cell: Cell) -> str:
    return f"'{cell}'" if isinstance(cell, str) else str(cell)
