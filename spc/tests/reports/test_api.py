"""Reports over REST: /api/v1/reports/..."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from conftest import persona
from hierarchy.roles import QA_MANAGER
from spc.tests.reports.conftest import BORE_VALUES, Dataset

BASE = "/api/v1/reports/"


@pytest.fixture
def api(db: None) -> APIClient:
    client = APIClient()
    token = Token.objects.create(user=persona("mes", "mes-pass-123", QA_MANAGER))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_reports_api_needs_authentication(db: None) -> None:
    assert APIClient().get(BASE + "capability/").status_code == 401


def test_capability_summary_per_characteristic(api: APIClient, dataset: Dataset) -> None:
    response = api.get(BASE + "capability/", {"node": dataset.plant["line"].pk})
    assert response.status_code == 200
    results = {r["characteristic"]: r for r in response.json()["results"]}
    assert set(results) == {"Bore", "Width"}
    s = np.std(BORE_VALUES, ddof=1)
    assert results["Bore"]["pp"] == pytest.approx(2 / (6 * s))
    assert results["Bore"]["n"] == 12


def test_violation_analysis(api: APIClient, dataset: Dataset) -> None:
    data = api.get(BASE + "violations/", {"node": dataset.plant["line"].pk}).json()
    assert data["acknowledgement"]["total"] == 6
    assert data["pareto"]["rule"][0] == {
        "key": "1", "label": data["pareto"]["rule"][0]["label"], "count": 3,
        "percent": pytest.approx(50.0), "cumulative_percent": pytest.approx(50.0),
    }  # fmt: skip


def test_csv_export_streams(api: APIClient, dataset: Dataset) -> None:
    response = api.get(BASE + "export/", {"kind": "measurements", "node": dataset.plant["cell"].pk})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 13 + 12


@pytest.mark.parametrize(
    ("params", "field"),
    [({"kind": "nope"}, "kind"), ({"kind": "violations", "start": "soon"}, "start")],
)
def test_bad_export_parameters_are_400_with_field(
    api: APIClient, dataset: Dataset, params: dict[str, str], field: str
) -> None:
    response = api.get(BASE + "export/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_job_create_poll_and_download(api: APIClient, dataset: Dataset) -> None:
    response = api.post(BASE + "jobs/", {"kind": "report", "format": "xlsx"}, format="json")
    assert response.status_code == 202
    job = response.json()
    assert job["state"] == "DONE"
    assert "user_id" not in job
    polled = api.get(job["url"]).json()
    assert polled["download_url"].endswith(f"/jobs/{job['id']}/download/")
    download = api.get(polled["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"  # a zip: xlsx


def test_job_with_bad_kind_is_400(api: APIClient, dataset: Dataset) -> None:
    response = api.post(BASE + "jobs/", {"kind": "report", "format": "csv"}, format="json")
    assert response.status_code == 400
    assert "kind" in response.json()


def test_unknown_job_is_404(api: APIClient, report_dir: Path) -> None:
    assert api.get(BASE + "jobs/abc123/").status_code == 404
