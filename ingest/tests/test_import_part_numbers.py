"""An import's optional part number column feeds short-run charts (DNOM): each row is
charted against its part's target; a row whose part has no target is refused and reported
on ``part_number``, the other rows are stored.

Data: Montgomery, Introduction to SQC, 6th ed., Table 10.1, samples 3-6 (parts A, T = 50,
and B, T = 25; n = 3): deviation means -0.33, 1.00, 0.67, 0.33.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from ingest.imports import services
from ingest.imports.mapping import guess
from ingest.imports.models import ImportState
from spc.models import PartTarget, Sample
from spc.pipeline.windows import windows
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db

CSV = (
    "Time,Part no,x1,x2,x3\n"
    "2026-03-01T08:00:00Z,A,48,49,52\n"
    "2026-03-01T08:10:00Z,A,49,53,51\n"
    "2026-03-01T08:20:00Z,B,24,27,26\n"
    "2026-03-01T08:25:00Z,C,24,27,26\n"  # row 5: no target for part C
    "2026-03-01T08:30:00Z,B,25,27,24\n"
)


@pytest.fixture(autouse=True)
def _imports_dir(tmp_path: Path) -> Any:
    with override_settings(OPENSPC_IMPORTS_DIR=str(tmp_path / "imports")):
        yield


def test_the_part_column_charts_each_row_against_its_part() -> None:
    windows.clear()
    char = CharacteristicFactory.create(chart_type="DNOM", subgroup_size=3, min_measurements=3)
    PartTarget.objects.create(characteristic=char, part_number="A", target=50.0)
    PartTarget.objects.create(characteristic=char, part_number="B", target=25.0)
    mapping = {
        "timestamp_column": "Time",
        "characteristic": char.pk,
        "value_columns": ["x1", "x2", "x3"],
        "part_column": "Part no",
    }
    record, found = services.create(io.BytesIO(CSV.encode()), "parts.csv", mapping)
    assert found.problem_count == 0
    record = services.start(record)
    assert record.state == ImportState.DONE, record.message
    assert (record.stored, record.refused) == (4, 1)
    stored = list(Sample.objects.filter(characteristic=char).order_by("timestamp"))
    assert [(s.part_number, round(s.value, 2)) for s in stored] == [
        ("A", -0.33),
        ("A", 1.0),
        ("B", 0.67),
        ("B", 0.33),
    ]
    reported = {(p["row"], p["column"]): p["message"] for p in record.problems}
    assert "No target for part C" in reported[(5, "part_number")]


def test_the_part_column_is_guessed_from_its_name() -> None:
    assert guess(["Time", "Part no", "x1"])["part_column"] == "Part no"
