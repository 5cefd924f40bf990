"""XLSX workbooks with openpyxl's write-only mode: rows go to disk as they come."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from spc.reports.exports import Table

#: Excel's limit is 1,048,576 rows per sheet; one is the header.
MAX_ROWS_PER_SHEET = 1_048_575
#: How often (in rows) the progress callback hears from a long table.
PROGRESS_EVERY = 10_000

Progress = Callable[[int], None]


def write_workbook(
    path: Path, tables: Sequence[Table], progress: Progress | None = None
) -> dict[str, int]:
    """Write each table to its own sheet at ``path``; returns rows written per table.

    A table longer than an Excel sheet continues on "<title> (2)", "(3)" ...
    ``progress`` receives the running total of rows written, every
    ``PROGRESS_EVERY`` rows and at the end.
    """
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    written: dict[str, int] = {}
    total = 0
    for t in tables:
        part, rows_in_sheet, count = 1, 0, 0
        sheet = _new_sheet(workbook, t.title, part, t.header, bold)
        for row in t.rows:
            if rows_in_sheet == MAX_ROWS_PER_SHEET:
                part += 1
                sheet = _new_sheet(workbook, t.title, part, t.header, bold)
                rows_in_sheet = 0
            sheet.append(row)
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


def _new_sheet(workbook: Workbook, title: str, part: int, header: list[str], bold: Font) -> Any:
    sheet = workbook.create_sheet(title if part == 1 else f"{title} ({part})")
    cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    return sheet
