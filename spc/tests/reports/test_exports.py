"""CSV exports: headers, row counts and values against the database and the core; times
in the plant's zone with their offset, values with the characteristic's decimals."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pytest
from django.http import StreamingHttpResponse

from spc.models import Measurement
from spc.reports import exports
from spc.reports.cells import Column, Table
from spc.reports.scope import ReportScope, scope_from_params
from spc.tests.reports.conftest import BORE_VALUES, DAY0, Dataset

#: d₂ for moving ranges of two as tabulated (Montgomery, ISQC 6th ed., Appendix VI: 1.128;
#: exactly 2/√π = 1.12838), the constant the product's chart estimator uses.
D2_2 = 1.128


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
    assert {r["Characteristic"] for r in rows} == {"Bore", "Width"}
    # Readable headers (the issue: snake_case headers); the zone named on the time column.
    assert list(rows[0]) == [
        "Characteristic ID", "Characteristic", "Node", "Sample ID", "Timestamp (UTC)",
        "Position", "Value", "Unit", "Excluded", "Batch", "Part", "Operator", "Source",
    ]  # fmt: skip
    bore_values = [float(r["Value"]) for r in rows if r["Characteristic"] == "Bore"]
    assert sorted(bore_values) == sorted([*BORE_VALUES, 12.5])
    assert sum(r["Excluded"] == "True" for r in rows) == 1
    assert {r["Unit"] for r in rows if r["Characteristic"] == "Bore"} == {"mm"}


def test_measurement_csv_keeps_to_the_period(dataset: Dataset) -> None:
    scope = scope_from_params({"node": dataset.plant["cell"].pk, "start": DAY0.isoformat(),
                               "end": (DAY0 + timedelta(hours=12)).isoformat()})  # fmt: skip
    rows = read_csv(exports.csv_response(exports.measurement_table(scope), "m.csv"))
    # Bore samples at 0, 6 and 12 h, then the excluded one at 7 h (stored last: rows
    # follow processing order); Width (on equipment below the cell) at 0 and 12 h.
    bore = [float(r["Value"]) for r in rows if r["Characteristic"] == "Bore"]
    assert bore == [10.1, 9.9, 10.0, 12.5]
    assert sum(r["Characteristic"] == "Width" for r in rows) == 2 * 3


def test_csv_timestamps_are_iso_8601_in_the_plant_zone_with_the_offset(
    dataset: Dataset, settings: Any
) -> None:
    settings.TIME_ZONE = "Europe/Berlin"  # the plant's zone (OPENSPC_TIME_ZONE)
    scope = ReportScope(node=dataset.plant["cell"])
    rows = read_csv(exports.csv_response(exports.measurement_table(scope), "m.csv"))
    first = rows[0]
    # 2026-11-02 08:00 UTC is 09:00 in Berlin (CET, UTC+01:00, after the October change).
    assert first["Timestamp (Europe/Berlin)"] == "2026-11-02T09:00:00+01:00"
    assert datetime.fromisoformat(first["Timestamp (Europe/Berlin)"]) == DAY0
    summer = ReportScope(node=dataset.plant["cell"])
    dataset.bore.samples.filter(timestamp=DAY0).update(timestamp=DAY0 - timedelta(days=60))
    rows = read_csv(exports.csv_response(exports.measurement_table(summer), "m.csv"))
    # 2026-09-03 08:00 UTC is 10:00 in Berlin (CEST, UTC+02:00): the offset of each time.
    assert rows[0]["Timestamp (Europe/Berlin)"] == "2026-09-03T10:00:00+02:00"


def test_csv_values_carry_the_characteristic_decimals(dataset: Dataset) -> None:
    Measurement.objects.filter(sample__characteristic=dataset.bore).update(
        value=0.02023499999999956  # the float noise the issue quotes
    )
    dataset.bore.decimal_places = 4
    dataset.bore.save()
    scope = ReportScope(node=dataset.plant["cell"])
    rows = read_csv(exports.csv_response(exports.measurement_table(scope), "m.csv"))
    assert {r["Value"] for r in rows if r["Characteristic"] == "Bore"} == {"0.0202"}
    # Width keeps the default 3 decimals, written with trailing zeros.
    assert rows[-1]["Characteristic"] == "Width"
    assert rows[-1]["Value"] == "5.100"


def test_subgroup_csv_has_one_row_per_sample(dataset: Dataset) -> None:
    rows = read_csv(exports.csv_response(exports.subgroup_table(ReportScope()), "s.csv"))
    assert len(rows) == 13 + 4 + 2
    width_rows = [r for r in rows if r["Characteristic"] == "Width"]
    assert [r["n"] for r in width_rows] == ["3"] * 4  # a count, not "3.0"
    # Mean of (5.1, 4.9, 5.1) = 5.0333…, with Width's 3 decimals plus one.
    assert width_rows[1]["Mean"] == f"{(5.1 + 4.9 + 5.1) / 3:.4f}"


def test_exports_carry_the_part_number_of_short_run_samples(dataset: Dataset) -> None:
    first = dataset.width.samples.order_by("id").first()
    assert first is not None
    dataset.width.samples.filter(pk=first.pk).update(part_number="A-17")
    subgroups = read_csv(exports.csv_response(exports.subgroup_table(ReportScope()), "s.csv"))
    parts = [r["Part"] for r in subgroups if r["Characteristic"] == "Width"]
    assert parts == ["A-17", "", "", ""]
    scope = ReportScope(node=dataset.plant["cell"])
    measurements = read_csv(exports.csv_response(exports.measurement_table(scope), "m.csv"))
    tagged = [r for r in measurements if r["Sample ID"] == str(first.pk)]
    assert [r["Part"] for r in tagged] == ["A-17"] * 3


def test_violation_csv_carries_acknowledgement_details(dataset: Dataset) -> None:
    scope = ReportScope(node=dataset.plant["line"])
    rows = read_csv(exports.csv_response(exports.violation_table(scope), "v.csv"))
    assert len(rows) == 6  # the violation on the other line is outside the subtree
    acked = [r for r in rows if r["Acknowledged at (UTC)"]]
    assert sorted(r["Minutes to acknowledge"] for r in acked) == ["10.0", "20.0", "30.0"]
    assert {r["Acknowledged by"] for r in acked} == {"quinn"}
    assert {r["Reason code"] for r in acked} == {"tool-wear", "material"}
    open_rows = [r for r in rows if not r["Acknowledged at (UTC)"]]
    assert all(r["Minutes to acknowledge"] == "" for r in open_rows)
    assert rows[0]["Rule name"]


def test_capability_csv_matches_the_core_on_included_values(dataset: Dataset) -> None:
    scope = ReportScope(node=dataset.plant["line"])
    rows = {r["Characteristic"]: r for r in read_csv(
        exports.csv_response(exports.capability_table(scope), "c.csv"))}  # fmt: skip
    bore = rows["Bore"]
    assert bore["Values"] == "12"
    assert bore["Excluded samples"] == "1"
    # Independent check: Ppk from numpy with the spec limits 9..11, excluded 12.5 left out.
    mean, s = np.mean(BORE_VALUES), np.std(BORE_VALUES, ddof=1)
    assert bore["Ppk"] == f"{min(11 - mean, mean - 9) / (3 * s):.3f}"
    # σ within from the study's own data: MR̄/d₂(2) over the 12 values in order.
    sigma_within = np.abs(np.diff(BORE_VALUES)).mean() / D2_2
    assert bore["Cp"] == f"{2 / (6 * sigma_within):.3f}"
    assert bore["σ within"] == f"{sigma_within:.4f}"  # Bore's 2 decimals plus two
    assert bore["σ within source"] == "estimated"
    assert "MR̄/d₂(2) from the study's 12 values" in bore["σ within method"]
    assert bore["σ overall"] == f"{s:.4f}"
    # Two open violations on Bore's included samples: not in control, whatever Cpk says.
    assert bore["Open violations"] == "2"
    assert bore["Verdict"] == "not in control"
    assert "not in statistical control" in bore["Note"]
    assert "Only 12 values" in bore["Note"]
    assert bore["Observed PPM"] == "0.0"
    assert "Width" in rows


def test_capability_row_explains_a_study_that_cannot_be_made(dataset: Dataset) -> None:
    dataset.width.usl = dataset.width.lsl = None
    dataset.width.save()
    rows = read_csv(exports.csv_response(exports.capability_table(ReportScope()), "c.csv"))
    width = next(r for r in rows if r["Characteristic"] == "Width")
    assert "specification limit" in width["Note"]
    assert width["Cpk"] == ""


def test_csv_chunks_batch_rows_and_keep_the_header_first() -> None:
    columns = [Column("a", "A"), Column("b", "B", "number", decimals=1), Column("c", "C")]
    table = Table("t", "T", columns, iter(()), lambda: 0)
    rows = ([i, i * 0.5, None] for i in range(2500))
    chunks = list(exports.csv_chunks(table, rows))
    assert len(chunks) == 3
    parsed = list(csv.reader(io.StringIO("".join(chunks))))
    assert parsed[0] == ["A", "B", "C"]
    assert len(parsed) == 2501
    assert parsed[-1] == ["2499", "1249.5", ""]


def test_unknown_table_is_an_input_error(db: None) -> None:
    from spc.core.errors import InputError

    with pytest.raises(InputError) as info:
        exports.table("nonsense", ReportScope())
    assert info.value.field == "kind"


def test_tables_keep_stable_machine_keys_beside_readable_headers(dataset: Dataset) -> None:
    table = exports.capability_table(ReportScope())
    assert table.keys[:3] == ["characteristic_id", "characteristic", "node"]
    assert {"cp", "cpk", "pp", "ppk", "cpm", "verdict"} <= set(table.keys)
    assert table.header[:3] == ["Characteristic ID", "Characteristic", "Node"]
