"""Stream the rows of a CSV or XLSX file: header first, then data rows, bounded memory.

CSV: the encoding is UTF-8 (a BOM is dropped) or, failing that, Windows-1252; the
delimiter is sniffed from the first lines (``,``, ``;``, tab or ``|``) unless given. XLSX:
openpyxl in read-only mode, one row at a time; date cells arrive as ``datetime`` and
numbers as numbers (an unformatted date is an Excel serial, read by ``cells``).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from spc.core.errors import InputError

Cell = str | float | int | datetime | None
DELIMITERS = (",", ";", "\t", "|")
SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class FileFormat:
    """What ``open_rows`` found or was told about a file."""

    kind: str  # "csv" or "xlsx"
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    sheet: str = ""


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def detect(path: Path, delimiter: str = "", sheet: str = "") -> FileFormat:
    """The file's kind (XLSX by its zip signature), encoding and delimiter."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head.startswith(b"PK\x03\x04"):
        return FileFormat("xlsx", sheet=sheet)
    if not head.strip():
        raise InputError("file", "The file is empty.")
    try:
        text = head.decode("utf-8-sig")
        encoding = "utf-8-sig"
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the sniff boundary
            text, encoding = head.decode("cp1252", errors="replace"), "cp1252"
        else:
            text, encoding = head[: exc.start].decode("utf-8-sig"), "utf-8-sig"
    if delimiter:
        if delimiter == "\\t":
            delimiter = "\t"
        if len(delimiter) != 1:
            raise InputError("delimiter", "The delimiter is one character, e.g. ; or ,")
        return FileFormat("csv", delimiter, encoding)
    return FileFormat("csv", _sniff_delimiter(text), encoding)


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same, largest number of fields."""
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if len(lines) > 1 and not text.endswith("\n"):
        lines = lines[:-1]  # the last line may be cut at the sniff boundary
    best, best_score = ",", 0
    for candidate in DELIMITERS:
        counts = [len(next(csv.reader([line], delimiter=candidate))) for line in lines]
        if not counts or counts[0] < 2:
            continue
        same = sum(1 for c in counts if c == counts[0])
        score = same * 1000 + counts[0]
        if score > best_score:
            best, best_score = candidate, score
    return best


def open_rows(path: Path, fmt: FileFormat) -> Iterator[list[Cell]]:
    """Every row of the file (header included) as a list of cells, one at a time."""
    if fmt.kind == "xlsx":
        yield from _xlsx_rows(path, fmt.sheet)
        return
    with path.open("r", encoding=fmt.encoding, errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=fmt.delimiter)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # a NUL byte, a field beyond the size limit
                raise InputError("file", f"Line {reader.line_num} cannot be read: {exc}.") from exc
            yield list[Cell](row)


def _xlsx_rows(path: Path, sheet: str) -> Iterator[list[Cell]]:
    from openpyxl import load_workbook  # only imports need it; it is slow to import

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError("file", f"The XLSX file cannot be read: {exc}") from exc
    try:
        if sheet:
            if sheet not in book.sheetnames:
                names = ", ".join(book.sheetnames)
                raise InputError("sheet", f"No sheet named {sheet!r}; the file has {names}.")
            worksheet = book[sheet]
        else:
            worksheet = book.worksheets[0]
        for values in worksheet.iter_rows(values_only=True):
            yield [_xlsx_cell(v) for v in values]
    finally:
        book.close()


def _xlsx_cell(value: object) -> Cell:
    if value is None or isinstance(value, str | float | int | datetime):
        return value
    return str(value)


def header_and_rows(path: Path, fmt: FileFormat) -> tuple[list[str], Iterator[list[Cell]]]:
    """The header (column names, stripped) and an iterator over the data rows."""
    rows = open_rows(path, fmt)
    for header in rows:
        names = ["" if c is None else str(c).strip() for c in header]
        if any(names):
            return names, rows
    raise InputError("file", "The file has no header row.")


def preview_text(path: Path, fmt: FileFormat, lines: int = 6) -> str:
    """The first raw lines of a CSV file (for the page), empty for XLSX."""
    if fmt.kind != "csv":
        return ""
    with path.open("r", encoding=fmt.encoding, errors="replace", newline="") as handle:
        return "".join(io.StringIO(handle.read(4096)).readlines()[:lines])
