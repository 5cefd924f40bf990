"""Old uploads are freed: a finished import keeps its record without the file, a preview
never started goes, a queued or recent one stays."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from ingest.imports import services
from ingest.imports.models import Import, ImportState
from ingest.imports.purge import purge_uploads
from ingest.imports.tasks import purge_import_uploads
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db

CSV = "Zeit;Merkmal;Wert\n01.03.2026 08:00;Bore;10,1\n01.03.2026 08:10;Bore;10,2\n"
MAPPING = {
    "timestamp_column": "Zeit",
    "characteristic_column": "Merkmal",
    "value_columns": ["Wert"],
    "time_zone": "Europe/Berlin",
}


@pytest.fixture(autouse=True)
def _imports_dir(tmp_path: Path) -> Any:
    with override_settings(OPENSPC_IMPORTS_DIR=str(tmp_path / "imports")):
        yield


def _upload(name: str, days_ago: float) -> Import:
    record, _ = services.create(io.BytesIO(CSV.encode()), name, MAPPING)
    Import.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    record.refresh_from_db()
    return record


def test_old_uploads_are_freed_and_recent_ones_kept() -> None:
    CharacteristicFactory(name="Bore")
    done = services.start(_upload("done.csv", 10))
    assert done.state == ImportState.DONE
    abandoned = _upload("abandoned.csv", 10)
    queued = _upload("queued.csv", 10)
    Import.objects.filter(pk=queued.pk).update(state=ImportState.QUEUED)
    recent = _upload("recent.csv", 1)
    paths = {r.pk: Path(r.file_path) for r in (done, abandoned, queued, recent)}

    assert purge_import_uploads() == 2  # the celery task, as beat runs it

    done.refresh_from_db()
    assert done.file_path == ""  # the record and its figures stay
    assert done.stored == 2
    assert not paths[done.pk].exists()
    assert not Import.objects.filter(pk=abandoned.pk).exists()
    assert not paths[abandoned.pk].exists()
    assert paths[queued.pk].exists()
    assert paths[recent.pk].exists()
    assert purge_uploads() == 0  # nothing left to free


def test_the_keep_period_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    record = _upload("preview.csv", 2)
    monkeypatch.setenv("OPENSPC_IMPORT_KEEP_DAYS", "1")
    assert purge_uploads() == 1
    assert not Import.objects.filter(pk=record.pk).exists()
