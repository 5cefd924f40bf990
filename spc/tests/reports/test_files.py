"""XLSX and PDF files: opened with openpyxl and pypdf, checked against the database."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from spc.models import Measurement, Sample
from spc.reports import exports, pdf, xlsx
from spc.reports.scope import ReportScope
from spc.tests.reports.conftest import BORE_VALUES, Dataset


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
    ppk = capability["Bore"][header.index("ppk")]
    mean, s = np.mean(BORE_VALUES), np.std(BORE_VALUES, ddof=1)
    assert ppk == pytest.approx(min(11 - mean, mean - 9) / (3 * s))
    assert len(list(book["Violations"].iter_rows())) - 1 == 6
    assert seen[-1] == sum(written.values())


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
    # Cp of Bore = (11 − 9)/(6 × 0.15) = 2.22, printed to two decimals.
    assert "2.22" in text
    assert "6 violations, 3 acknowledged, 3 open" in text
    assert "material" in text  # a reason code in the violations table


def test_pdf_context_notes_a_characteristic_without_spec_limits(dataset: Dataset) -> None:
    dataset.width.usl = dataset.width.lsl = None
    dataset.width.save()
    context = pdf.report_context(ReportScope(node=dataset.plant["line"]))
    width = next(s for s in context["studies"] if s["char"].name == "Width")
    assert "specification limit" in width["error"]
