"""XLSX workbooks with openpyxl's write-only mode: rows go to disk as they come.

Each sheet is ready to read in Excel: a bold header row that stays frozen while scrolling,
column widths for the content, date-time cells (real dates with the number format
``yyyy-mm-dd hh:mm:ss``, in the plant's time zone, which the header names) and values
rounded to the characteristic's decimals with a matching number format
(:mod:`spc.reports.cells`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from spc.reports.cells import (
    COUNT,
    DATE_FORMAT,
    DATETIME,
    NUMBER,
    Column,
    Row,
    Table,
    digits,
    number_format,
    plant_zone,
    whole,
)

#: Excel's limit is 1,048,576 rows per sheet; one is the header.
MAX_ROWS_PER_SHEET = 1_048_575
#: How often (in rows) the progress callback hears from a long table.
PROGRESS_EVERY = 10_000

Progress = Callable[[int], None]
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E8ECF0")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")


def write_workbook(
    path: Path, tables: Sequence[Table], progress: Progress | None = None
) -> dict[str, int]:
    """Write each table to its own sheet at ``path``; returns rows written per table.

    A table longer than an Excel sheet continues on "<title> (2)", "(3)" ...
    ``progress`` receives the running total of rows written, every
    ``PROGRESS_EVERY`` rows and at the end.
    """
    workbook = Workbook(write_only=True)
    written: dict[str, int] = {}
    total = 0
    for t in tables:
        part, rows_in_sheet, count = 1, 0, 0
        sheet = _new_sheet(workbook, t, part)
        to_cells = _row_writer(sheet, t)
        for row in t.rows:
            if rows_in_sheet == MAX_ROWS_PER_SHEET:
                part += 1
                sheet = _new_sheet(workbook, t, part)
                to_cells = _row_writer(sheet, t)
                rows_in_sheet = 0
            sheet.append(to_cells(row))
            rows_in_sheet += 1
            count += 1
            total += 1
            if progress is not None and total % PROGRESS_EVERY == 0:
                progress(total)
        written[t.kind] = count
    workbook.save(path)
    if progress is not None:
        progress(total)
    return written


def _row_writer(sheet: Any, t: Table) -> Callable[[Row], list[Any]]:
    """A function turning a raw row into cells: dates and numbers formatted, rest as is.

    A styled cell is made once per column and number format and reused row after row:
    ``sheet.append`` writes a row out before it returns, so a cell only has to hold its
    value until then (a new styled cell per value made the workbook twice as slow).
    """
    zone = plant_zone()
    special = [(i, c) for i, c in enumerate(t.columns) if c.kind in (NUMBER, COUNT, DATETIME)]
    formats = {places: number_format(places) for places in range(16)}
    styled: dict[tuple[int, str], WriteOnlyCell] = {}
    local_time = _LocalTime(zone)

    def cell(index: int, fmt: str, value: Any) -> WriteOnlyCell:
        made = styled.get((index, fmt))
        if made is None:
            made = styled[(index, fmt)] = WriteOnlyCell(sheet)
            made.number_format = fmt
        made.value = value
        return made

    def cells(row: Row) -> list[Any]:
        out = list(row)
        for i, column in special:
            value = row[i]
            if value is None:
                continue
            if column.kind == COUNT:
                out[i] = whole(value)
            elif column.kind == DATETIME:
                out[i] = cell(i, DATE_FORMAT, local_time(value))
            else:
                places = min(digits(column, row, t.decimals), 15)
                out[i] = cell(i, formats[places], round(value, places))
        return out

    return cells


class _LocalTime:
    """Aware datetimes as naive wall times in ``zone`` (Excel has no zones); the last
    one is remembered, since consecutive rows often share a sample's time."""

    def __init__(self, zone: Any) -> None:
        self.zone = zone
        self.last: tuple[Any, Any] = (None, None)

    def __call__(self, moment: Any) -> Any:
        if moment != self.last[0]:
            self.last = (moment, moment.astimezone(self.zone).replace(tzinfo=None))
        return self.last[1]


def _new_sheet(workbook: Workbook, t: Table, part: int) -> Any:
    """A sheet with the bold, frozen header row and the columns' widths."""
    sheet = workbook.create_sheet(t.title if part == 1 else f"{t.title} ({part})")
    for index, (column, label) in enumerate(zip(t.columns, t.header, strict=True), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _width(column, label)
    sheet.freeze_panes = "A2"
    cells = []
    for name in t.header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGNMENT
        cells.append(cell)
    sheet.append(cells)
    return sheet


def _width(column: Column, label: str) -> float:
    """Wide enough for the column's values, and for its header on at most two lines."""
    return float(max(column.width, math.ceil(len(label) / 2)) + 2)
