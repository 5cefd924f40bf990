"""CSV exports: headers, row counts and values against the database and the core."""

from __future__ import annotations

import csv
import io
import math
from datetime import timedelta

import numpy as np
import pytest
from django.http import StreamingHttpResponse

from spc.core.capability import capability
from spc.models import Measurement
from spc.reports import exports
from spc.reports.scope import ReportScope, scope_from_params
from spc.tests.reports.conftest import BORE_VALUES, DAY0, Dataset


def read_csv(response: StreamingHttpResponse) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_measurement_csv_streams_every_measurement_of_the_subtree(dataset: Dataset) -> None:
    scope = ReportScope(node=dataset.plant["line"])
    response = exports.csv_response(exports.measurement_table(scope), "m.csv")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"] == 'attachment; filename="m.csv"'
    rows = read_csv(response)
    expected = Measurement.objects.filter(
        sample__characteristic__in=[dataset.bore, dataset.width]
    ).count()
    assert len(rows) == expected == 12 + 1 + 4 * 3
    assert {r["characteristic"] for r in rows} == {"Bore", "Width"}
    first = rows[0]
    assert list(first) == [
        "characteristic_id", "characteristic", "node", "sample_id", "timestamp", "position",
        "value", "is_excluded", "batch_number", "operator", "source",
    ]  # fmt: skip
    bore_values = [float(r["value"]) for r in rows if r["characteristic"] == "Bore"]
    assert sorted(bore_values) == sorted([*BORE_VALUES, 12.5])
    assert sum(r["is_excluded"] == "True" for r in rows) == 1


def test_measurement_csv_keeps_to_the_period(dataset: Dataset) -> None:
    scope = scope_from_params({"node": dataset.plant["cell"].pk, "start": DAY0.isoformat(),
                               "end": (DAY0 + timedelta(hours=12)).isoformat()})  # fmt: skip
    rows = read_csv(exports.csv_response(exports.measurement_table(scope), "m.csv"))
    # Bore samples at 0, 6 and 12 h, then the excluded one at 7 h (stored last: rows
    # follow processing order); Width (on equipment below the cell) at 0 and 12 h.
    bore = [float(r["value"]) for r in rows if r["characteristic"] == "Bore"]
    assert bore == [10.1, 9.9, 10.0, 12.5]
    assert sum(r["characteristic"] == "Width" for r in rows) == 2 * 3


def test_subgroup_csv_has_one_row_per_sample(dataset: Dataset) -> None:
    rows = read_csv(exports.csv_response(exports.subgroup_table(ReportScope()), "s.csv"))
    assert len(rows) == 13 + 4 + 2
    width_rows = [r for r in rows if r["characteristic"] == "Width"]
    assert [float(r["n"]) for r in width_rows] == [3.0] * 4
    assert float(width_rows[1]["mean"]) == pytest.approx((5.1 + 4.9 + 5.1) / 3)


def test_violation_csv_carries_acknowledgement_details(dataset: Dataset) -> None:
    scope = ReportScope(node=dataset.plant["line"])
    rows = read_csv(exports.csv_response(exports.violation_table(scope), "v.csv"))
    assert len(rows) == 6  # the violation on the other line is outside the subtree
    acked = [r for r in rows if r["acknowledged_at"]]
    assert sorted(float(r["minutes_to_acknowledge"]) for r in acked) == [10.0, 20.0, 30.0]
    assert {r["acknowledged_by"] for r in acked} == {"quinn"}
    assert {r["reason_code"] for r in acked} == {"tool-wear", "material"}
    open_rows = [r for r in rows if not r["acknowledged_at"]]
    assert all(r["minutes_to_acknowledge"] == "" for r in open_rows)
    assert rows[0]["rule_name"]


def test_capability_csv_matches_the_core_on_included_values(dataset: Dataset) -> None:
    scope = ReportScope(node=dataset.plant["line"])
    rows = {r["characteristic"]: r for r in read_csv(
        exports.csv_response(exports.capability_table(scope), "c.csv"))}  # fmt: skip
    bore = rows["Bore"]
    assert bore["n"] == "12"
    assert bore["excluded_count"] == "1"
    # Independent check: Ppk from numpy with the spec limits 9..11, excluded 12.5 left out.
    mean, s = np.mean(BORE_VALUES), np.std(BORE_VALUES, ddof=1)
    assert float(bore["ppk"]) == pytest.approx(min(11 - mean, mean - 9) / (3 * s))
    assert float(bore["cp"]) == pytest.approx(2 / (6 * 0.15))
    assert float(bore["sigma_overall"]) == pytest.approx(s)
    core = capability(BORE_VALUES, usl=11.0, lsl=9.0, target=10.0, sigma_within=0.15)
    assert float(bore["cpm"]) == pytest.approx(core.cpm)
    assert bore["verdict"] == "insufficient data"  # 12 values < 30
    assert "Width" in rows


def test_capability_row_explains_a_study_that_cannot_be_made(dataset: Dataset) -> None:
    dataset.width.usl = dataset.width.lsl = None
    dataset.width.save()
    rows = read_csv(exports.csv_response(exports.capability_table(ReportScope()), "c.csv"))
    width = next(r for r in rows if r["characteristic"] == "Width")
    assert "specification limit" in width["note"]
    assert width["cpk"] == ""


def test_csv_chunks_batch_rows_and_keep_the_header_first() -> None:
    rows = ([i, i * 0.5, None] for i in range(2500))
    chunks = list(exports.csv_chunks(["a", "b", "c"], rows))
    assert len(chunks) == 3
    parsed = list(csv.reader(io.StringIO("".join(chunks))))
    assert parsed[0] == ["a", "b", "c"]
    assert len(parsed) == 2501
    assert parsed[-1] == ["2499", "1249.5", ""]


def test_unknown_table_is_an_input_error(db: None) -> None:
    from spc.core.errors import InputError

    with pytest.raises(InputError) as info:
        exports.table("nonsense", ReportScope())
    assert info.value.field == "kind"


def test_float_values_keep_full_precision(dataset: Dataset) -> None:
    Measurement.objects.filter(sample__characteristic=dataset.bore).update(value=math.pi)
    rows = read_csv(
        exports.csv_response(
            exports.measurement_table(ReportScope(node=dataset.plant["cell"])), "m.csv"
        )
    )
    assert float(rows[0]["value"]) == math.pi
