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
    """A function turning a raw row into cells: dates and numbers formatted, rest as is."""
    zone = plant_zone()
    special = [(i, c) for i, c in enumerate(t.columns) if c.kind in (NUMBER, COUNT, DATETIME)]
    formats = {places: number_format(places) for places in range(16)}

    def cells(row: Row) -> list[Any]:
        out = list(row)
        for i, column in special:
            value = row[i]
            if value is None:
                continue
            if column.kind == COUNT:
                out[i] = whole(value)
                continue
            if column.kind == DATETIME:
                value, fmt = value.astimezone(zone).replace(tzinfo=None), DATE_FORMAT
            else:
                places = min(digits(column, row, t.decimals), 15)
                value, fmt = round(value, places), formats[places]
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = fmt
            out[i] = cell
        return out

    return cells


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
