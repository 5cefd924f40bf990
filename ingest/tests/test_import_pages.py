"""The import pages: upload, map and preview (nothing stored), start, progress, roles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from ingest.imports.models import Import, ImportState
from spc.models import Sample
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db

CSV = (
    "Time;Characteristic;x1;x2\n"
    "01.03.2026 08:00;Torque;10,1;9,9\n"
    "01.03.2026 08:10;Torque;10,2;abc\n"
    "01.03.2026 08:20;Torque;10,0;10,1\n"
)


@pytest.fixture(autouse=True)
def _imports_dir(tmp_path: Path) -> Any:
    with override_settings(OPENSPC_IMPORTS_DIR=str(tmp_path / "imports")):
        yield


def test_upload_map_preview_and_import(engineer: Any) -> None:
    char = CharacteristicFactory(
        name="Torque", chart_type="XBAR_R", subgroup_size=2, min_measurements=2
    )
    client = Client()
    client.force_login(engineer)
    assert client.get("/imports/").status_code == 200
    response = client.post("/imports/", {"file": SimpleUploadedFile("t.csv", CSV.encode())})
    assert response.status_code == 302
    record = Import.objects.get()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"Time column" in page.content
    form = {
        "timestamp_column": "Time",
        "characteristic_column": "Characteristic",
        "layout": "wide",
        "value_columns": ["x1", "x2"],
        "time_zone": "Europe/Berlin",
        "action": "preview",
    }
    preview = client.post(f"/imports/{record.pk}/", form)
    text = preview.content.decode()
    assert "&#x27;abc&#x27; is not a number." in text
    assert "Import 2 subgroups, skip 1 bad row" in text
    assert not Sample.objects.exists()
    started = client.post(f"/imports/{record.pk}/", {**form, "action": "import"})
    assert started.status_code == 302
    record.refresh_from_db()
    assert record.state == ImportState.DONE
    assert Sample.objects.filter(characteristic=char).count() == 2
    progress = client.get(f"/imports/{record.pk}/progress/").content.decode()
    assert "hx-trigger" not in progress  # finished: no more polling
    assert 'id="import-stored">2<' in progress
    assert "is not a number" in progress  # the error report


def test_a_mapping_error_shows_on_its_field(engineer: Any) -> None:
    client = Client()
    client.force_login(engineer)
    client.post("/imports/", {"file": SimpleUploadedFile("t.csv", CSV.encode())})
    record = Import.objects.get()
    page = client.post(
        f"/imports/{record.pk}/",
        {
            "timestamp_column": "Time",
            "layout": "wide",
            "value_columns": ["x1"],
            "action": "preview",
        },
    )
    assert page.status_code == 200
    assert "Choose one characteristic for the whole file" in page.content.decode()


def test_operators_do_not_get_the_import_pages(operator: Any) -> None:
    client = Client()
    client.force_login(operator)
    assert client.get("/imports/").status_code == 403
    assert b"/imports/" not in client.get("/").content
