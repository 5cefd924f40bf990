"""XLSX and PDF files: opened with openpyxl, pypdf and pdftoppm, checked against the
database and against hand-computed numbers."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from spc.models import Measurement, Sample
from spc.reports import exports, pdf, xlsx
from spc.reports.scope import ReportScope
from spc.tests.reports.conftest import BORE_VALUES, DAY0, Dataset


def test_workbook_has_one_sheet_per_table_with_every_row(dataset: Dataset, tmp_path: Path) -> None:
    scope = ReportScope(node=dataset.plant["line"])
    tables = [exports.table(k, scope) for k in ("capability", "violations", "measurements")]
    seen: list[int] = []
    written = xlsx.write_workbook(tmp_path / "r.xlsx", tables, seen.append)
    book = load_workbook(tmp_path / "r.xlsx", read_only=True)
    assert book.sheetnames == ["Capability", "Violations", "Measurements"]
    measurements = list(book["Measurements"].iter_rows(values_only=True))
    assert list(measurements[0]) == tables[2].header
    expected = Measurement.objects.filter(sample__characteristic__in=[dataset.bore, dataset.width])
    assert len(measurements) - 1 == expected.count() == written["measurements"]
    assert sorted(r[6] for r in measurements[1:] if r[1] == "Bore") == sorted([*BORE_VALUES, 12.5])
    capability = {r[1]: r for r in book["Capability"].iter_rows(min_row=2, values_only=True)}
    header = list(next(book["Capability"].iter_rows(max_row=1, values_only=True)))
    ppk = capability["Bore"][header.index("Ppk")]
    mean, s = np.mean(BORE_VALUES), np.std(BORE_VALUES, ddof=1)
    assert ppk == round(min(11 - mean, mean - 9) / (3 * s), 3)
    assert len(list(book["Violations"].iter_rows())) - 1 == 6
    assert seen[-1] == sum(written.values())


def test_workbook_cells_are_dates_and_rounded_numbers_in_the_plant_zone(
    dataset: Dataset, tmp_path: Path, settings: Any
) -> None:
    settings.TIME_ZONE = "America/Chicago"
    Measurement.objects.filter(sample__characteristic=dataset.bore, position=0).update(
        value=10.02023499999999956
    )
    scope = ReportScope(node=dataset.plant["cell"])
    xlsx.write_workbook(tmp_path / "m.xlsx", [exports.measurement_table(scope)])
    sheet = load_workbook(tmp_path / "m.xlsx")["Measurements"]
    header = [c.value for c in sheet[1]]
    assert header[4] == "Timestamp (America/Chicago)"
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"  # the header row stays while scrolling
    assert sheet.column_dimensions["B"].width >= 24  # "Characteristic" names fit
    stamp, value = sheet.cell(row=2, column=5), sheet.cell(row=2, column=7)
    # A real date cell: 2026-11-02 08:00 UTC is 02:00 in Chicago (CST, UTC−6).
    assert stamp.is_date
    assert stamp.value == datetime(2026, 11, 2, 2, 0)
    assert stamp.number_format == "yyyy-mm-dd hh:mm:ss"
    assert DAY0.hour - 6 == stamp.value.hour
    # The value rounded to Bore's 2 decimals, shown with exactly two.
    assert value.data_type == "n"
    assert value.value == 10.02
    assert value.number_format == "0.00"
    width_value = next(row[6] for row in sheet.iter_rows(min_row=2) if row[1].value == "Width")
    assert width_value.number_format == "0.000"  # Width keeps the default 3 decimals


def test_long_table_continues_on_a_second_sheet(
    dataset: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx, "MAX_ROWS_PER_SHEET", 10)
    table = exports.subgroup_table(ReportScope())
    xlsx.write_workbook(tmp_path / "s.xlsx", [table])
    book = load_workbook(tmp_path / "s.xlsx", read_only=True)
    assert book.sheetnames == ["Subgroups", "Subgroups (2)"]
    rows = sum(len(list(book[name].iter_rows())) - 1 for name in book.sheetnames)
    assert rows == Sample.objects.count()


def test_pdf_report_lists_capability_and_violations(dataset: Dataset, pdf_engine: None) -> None:
    scope = ReportScope(node=dataset.plant["line"])
    reader = PdfReader(io.BytesIO(pdf.render_pdf(scope)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Quality report" in text
    assert "Bore" in text
    assert "Width" in text
    assert "Elsewhere" not in text
    # Cp of Bore with σ within = MR̄/d₂(2) of its 12 values (d₂(2) = 1.128, Montgomery
    # Appendix VI): 2/(6σ), to two decimals.
    sigma = np.abs(np.diff(BORE_VALUES)).mean() / 1.128
    assert f"{2 / (6 * sigma):.2f}" in text
    assert "Indices not meaningful: process not in statistical control" in text
    assert "6 violations, 3 acknowledged, 3 open" in text
    assert "Tool wear" in text  # a reason in the reason-code Pareto


def test_pdf_first_page_holds_the_first_characteristics_control_chart(
    dataset: Dataset, pdf_engine: None, tmp_path: Path
) -> None:
    scope = ReportScope(node=dataset.plant["line"])
    data = pdf.render_pdf(scope)
    first = PdfReader(io.BytesIO(data)).pages[0]
    text = first.extract_text()
    assert "Control chart: Individuals and Moving range" in text
    assert "Bore" in text
    assert "UCL 10.45" in text  # the limits labelled with Bore's 2 decimals
    assert "Stage 1" in text
    assert "Stage 2" not in text
    # The chart is drawn: its x axis counts the subgroups (the 12 included and the excluded
    # one, drawn hollow) and names the time zone.
    assert "Subgroups in order (13); times in UTC" in text
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (Debian poppler-utils) is missing; scripts/system_packages.sh")
    (tmp_path / "r.pdf").write_bytes(data)
    subprocess.run(
        [pdftoppm, "-r", "50", "-f", "1", "-l", "1", "-png", str(tmp_path / "r.pdf"),
         str(tmp_path / "page")],
        check=True, timeout=60,
    )  # fmt: skip
    (png,) = tmp_path.glob("page*.png")
    pixels = _rgb(png)
    # The chart's series blue (#1f6feb) and limit red (#cf222e) are on the first page, in
    # its top half (the chart comes first; the capability block follows).
    top = pixels[: pixels.shape[0] // 2]
    assert _share(top, (0x1F, 0x6F, 0xEB)) > 0.0005
    assert _share(top, (0xCF, 0x22, 0x2E)) > 0.0002


def _rgb(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"), dtype=int)


def _share(pixels: np.ndarray, colour: tuple[int, int, int], tolerance: int = 40) -> float:
    """The share of pixels within ``tolerance`` (per channel) of ``colour``."""
    close = np.all(np.abs(pixels - np.array(colour)) <= tolerance, axis=-1)
    return float(close.mean())


def test_pdf_context_notes_a_characteristic_without_spec_limits(dataset: Dataset) -> None:
    dataset.width.usl = dataset.width.lsl = None
    dataset.width.save()
    context = pdf.report_context(ReportScope(node=dataset.plant["line"]))
    width = next(p for p in context["pages"] if p["char"].name == "Width")
    assert "specification limit" in width["error"]
    assert "<svg" in width["chart_svg"]  # the control chart is there all the same
