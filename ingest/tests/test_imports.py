"""Imports of real files: CSV with ';' and decimal comma, XLSX with Excel serial dates, bad
rows; the preview stores nothing, the job stores through the pipeline, a re-import nothing."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from openpyxl import Workbook

from alerts.models import Violation
from ingest.imports import services
from ingest.imports.models import Import, ImportState
from spc.models import Characteristic, Sample
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _imports_dir(tmp_path: Path) -> Any:
    with override_settings(OPENSPC_IMPORTS_DIR=str(tmp_path / "imports")):
        yield


def _xbar(**extra: Any) -> Characteristic:
    """An X̄-R characteristic, n = 3, with limits (CL 10, UCL 11.5, LCL 8.5)."""
    values = {
        "chart_type": "XBAR_R",
        "subgroup_size": 3,
        "min_measurements": 2,
        "center_line": 10.0,
        "ucl": 11.5,
        "lcl": 8.5,
        "sigma": 0.866,
        "secondary_center_line": 1.5,
        "secondary_ucl": 3.9,
        "secondary_lcl": 0.0,
        **extra,
    }
    return CharacteristicFactory.create(**values)


def _import(data: bytes, name: str, mapping: dict[str, Any]) -> Import:
    record, _ = services.create(io.BytesIO(data), name, mapping)
    return services.start(record)


SEMICOLON_CSV = (
    "Zeit;Merkmal;Wert 1;Wert 2;Wert 3;Charge\n"
    "01.03.2026 08:00;{name};10,1;9,9;10,0;A1\n"
    "01.03.2026 08:10;{name};10,2;9,8;10,1;A1\n"
    "01.03.2026 08:20;{name};13,0;12,8;13,1;A2\n"  # mean 12.97 > UCL: rule 1
    "01.03.2026 08:30;{name};10,0;10,1;9,9;A2\n"
)


def test_semicolon_csv_with_decimal_comma_stores_samples_and_violations() -> None:
    char = _xbar(name="Bore diameter")
    data = SEMICOLON_CSV.format(name="Bore diameter").encode()
    mapping = {
        "timestamp_column": "Zeit",
        "characteristic_column": "Merkmal",
        "value_columns": ["Wert 1", "Wert 2", "Wert 3"],
        "batch_column": "Charge",
        "time_zone": "Europe/Berlin",
    }
    record, found = services.create(io.BytesIO(data), "bore.csv", mapping)
    assert found.problem_count == 0
    assert found.rows == 4
    assert len(found.preview) == 4
    assert Sample.objects.count() == 0  # the preview stores nothing

    record = services.start(record)

    assert record.state == ImportState.DONE, record.message
    assert (record.stored, record.replayed, record.refused) == (4, 0, 0)
    samples = list(Sample.objects.filter(characteristic=char).order_by("timestamp"))
    assert [s.source for s in samples] == ["IMPORT"] * 4
    # 08:00 in Berlin (CET, UTC+1) is 07:00 UTC.
    assert samples[0].timestamp == datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
    assert samples[0].mean == pytest.approx(10.0)
    assert [s.batch_number for s in samples] == ["A1", "A1", "A2", "A2"]
    assert sorted(m.value for m in samples[2].measurements.all()) == [12.8, 13.0, 13.1]
    rule_one = Violation.objects.get(characteristic=char)
    assert (rule_one.sample_id, rule_one.rule) == (samples[2].pk, 1)
    assert record.violations == 1


def test_second_import_of_the_same_file_stores_nothing() -> None:
    char = _xbar(name="Bore diameter")
    data = SEMICOLON_CSV.format(name="Bore diameter").encode()
    mapping = {
        "timestamp_column": "Zeit",
        "characteristic": char.pk,
        "value_columns": "Wert 1, Wert 2, Wert 3",
    }
    _import(data, "bore.csv", mapping)
    again = _import(data, "bore-copy.csv", mapping)
    assert again.state == ImportState.DONE
    assert (again.stored, again.replayed) == (0, 4)
    assert Sample.objects.filter(characteristic=char).count() == 4
    assert Violation.objects.filter(characteristic=char).count() == 1


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_with_excel_serial_dates_in_long_layout() -> None:
    char = _xbar()
    # 46082.25 is 2026-03-01 06:00 (Excel's 1900 date system; 45658 = 2025-01-01).
    rows: list[list[Any]] = [["Time", "Subgroup", "Value", "Operator"]]
    for group, (serial, values) in enumerate(
        [(46082.25, [10.0, 10.2, 9.9]), (46082.2625, [9.8, 10.1, 10.0])], start=1
    ):
        rows += [[serial, f"S{group}", v, "Ann"] for v in values]
    mapping = {
        "timestamp_column": "Time",
        "characteristic": char.pk,
        "layout": "long",
        "value_column": "Value",
        "subgroup_column": "Subgroup",
        "operator_column": "Operator",
        "time_zone": "UTC",
    }
    record = _import(_xlsx(rows), "history.xlsx", mapping)
    assert record.state == ImportState.DONE, record.message
    samples = list(Sample.objects.filter(characteristic=char).order_by("timestamp"))
    assert [s.timestamp for s in samples] == [
        datetime(2026, 3, 1, 6, 0, tzinfo=UTC),
        datetime(2026, 3, 1, 6, 18, tzinfo=UTC),
    ]
    assert [s.actual_n for s in samples] == [3, 3]
    assert samples[1].mean == pytest.approx((9.8 + 10.1 + 10.0) / 3)
    assert samples[0].operator == "Ann"


def test_bad_rows_are_reported_in_plain_words_and_the_good_ones_stored() -> None:
    char = _xbar(name="Bore diameter", plausible_high=50.0)
    data = (
        b"Time,Characteristic,x1,x2,x3\n"
        b"2026-03-01T08:00:00+01:00,Bore diameter,10.1,9.9,10.0\n"
        b"2026-03-01 08:10,Bore diameter,10.2,abc,10.1\n"  # row 3: not a number
        b"yesterday,Bore diameter,10.0,10.1,9.9\n"  # row 4: not a time
        b"2026-03-01 08:30,Spindle speed,10.0,10.1,9.9\n"  # row 5: unknown characteristic
        b"2026-03-01 08:40,Bore diameter,10.0,100.0,9.9\n"  # row 6: refused by the pipeline
        b"2026-03-01 08:50,Bore diameter,10.0,10.1,9.9\n"
    )
    mapping = {
        "timestamp_column": "Time",
        "characteristic_column": "Characteristic",
        "value_columns": ["x1", "x2", "x3"],
    }
    record, found = services.create(io.BytesIO(data), "bad.csv", mapping)
    problems = {(p.row, p.column): p.message for p in found.problems}
    assert problems[(3, "x2")] == "'abc' is not a number."
    assert "is not a date-time" in problems[(4, "Time")]
    assert "Spindle speed" in problems[(5, "Characteristic")]
    assert found.problem_count == 3
    record = services.start(record)
    assert record.state == ImportState.DONE
    assert (record.stored, record.refused) == (2, 1)
    assert Sample.objects.filter(characteristic=char).count() == 2
    reported = {(p["row"], p["column"]): p["message"] for p in record.problems}
    assert "above the plausible maximum" in reported[(6, "measurements")]
    assert record.problem_count == 4


def test_attribute_counts_with_sample_sizes() -> None:
    char = CharacteristicFactory(chart_type="P", subgroup_size=50, name="Scratches")
    data = b"Date;Defectives;Inspected\n01.03.2026 06:00;2;50\n01.03.2026 07:00;3;48\n"
    mapping = {
        "timestamp_column": "Date",
        "characteristic": char.pk,
        "count_column": "Defectives",
        "sample_size_column": "Inspected",
    }
    record = _import(data, "p.csv", mapping)
    assert record.state == ImportState.DONE, record.message
    assert list(
        Sample.objects.filter(characteristic=char)
        .order_by("timestamp")
        .values_list("count", "sample_size")
    ) == [(2.0, 50.0), (3.0, 48.0)]


def test_rows_out_of_time_order_are_fed_sorted() -> None:
    char = CharacteristicFactory(center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)
    lines = ["Time,Value"] + [
        f"2026-03-01T{hour:02d}:00:00Z,{10 + (hour % 3) * 0.1}" for hour in (5, 1, 3, 2, 4)
    ]
    record, found = services.create(
        io.BytesIO("\n".join(lines).encode()),
        "shuffled.csv",
        {"timestamp_column": "Time", "characteristic": char.pk, "value_columns": ["Value"]},
    )
    assert not found.in_time_order
    record = services.start(record)
    stored = Sample.objects.filter(characteristic=char).order_by("id")
    assert [s.timestamp.hour for s in stored] == [1, 2, 3, 4, 5]
    assert not stored.exclude(arrival="").exists()


def test_a_missing_column_is_refused_before_anything_is_kept() -> None:
    from spc.core.errors import InputError

    char = _xbar()
    with pytest.raises(InputError) as caught:
        services.create(
            io.BytesIO(b"Time,x1\n2026-03-01 08:00,1\n"),
            "x.csv",
            {"timestamp_column": "Time", "characteristic": char.pk, "value_columns": ["x9"]},
        )
    assert caught.value.field == "value_columns"
    assert "No column named 'x9'" in caught.value.message
    assert not Import.objects.exists()


def test_command_imports_a_file_and_reports_its_problems(tmp_path: Path) -> None:
    from django.core.management import call_command

    char = _xbar(name="Bore diameter")
    path = tmp_path / "bore.csv"
    path.write_text(SEMICOLON_CSV.format(name="Bore diameter") + "01.03.2026 08:40;Nope;1;2;3;A3\n")
    out = io.StringIO()
    call_command(
        "import_samples",
        str(path),
        "--timestamp-column=Zeit",
        "--characteristic-column=Merkmal",
        "--value-columns=Wert 1,Wert 2,Wert 3",
        stdout=out,
    )
    text = out.getvalue()
    assert "5 rows, 4 subgroups, 1 problems" in text
    assert "row 6, column 'Merkmal': no characteristic you may see has" in text
    assert "DONE: 4 stored, 0 stored before, 0 refused, 1 violations" in text
    assert Sample.objects.filter(characteristic=char).count() == 4


def test_api_upload_previews_then_starts(engineer: Any, tmp_path: Path) -> None:
    from rest_framework.test import APIClient

    char = _xbar(name="Bore diameter")
    client = APIClient()
    client.force_authenticate(engineer)
    upload = io.BytesIO(SEMICOLON_CSV.format(name="Bore diameter").encode())
    upload.name = "bore.csv"
    response = client.post(
        "/api/v1/imports/",
        {
            "file": upload,
            "mapping": '{"timestamp_column": "Zeit", "characteristic_column": "Merkmal"}',
            "value_columns": "Wert 1,Wert 2,Wert 3",
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "PREVIEW"
    assert body["problem_count"] == 0
    assert body["preview"][0]["measurements"] == [10.1, 9.9, 10.0]
    assert body["header"][:2] == ["Zeit", "Merkmal"]
    assert not Sample.objects.exists()
    started = client.post(f"/api/v1/imports/{body['id']}/start/")
    assert started.status_code == 202
    assert started.json()["state"] == "DONE"
    assert started.json()["stored"] == 4
    assert Sample.objects.filter(characteristic=char).count() == 4
    again = client.post(f"/api/v1/imports/{body['id']}/start/")
    assert again.status_code == 400
    assert "started already" in again.json()["state"][0]


def test_api_refuses_a_bad_mapping_with_field_details(engineer: Any) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(engineer)
    upload = io.BytesIO(b"Time,x\n2026-03-01 08:00,1\n")
    upload.name = "x.csv"
    response = client.post("/api/v1/imports/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert "timestamp_column" in response.json()


def test_operators_may_not_import(operator: Any) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(operator)
    upload = io.BytesIO(b"Time,x\n")
    upload.name = "x.csv"
    response = client.post("/api/v1/imports/", {"file": upload}, format="multipart")
    assert response.status_code == 403
