"""End to end: samples go in through the one write path, reports come out over the API.

Samples are processed by ``spc.pipeline.processing.process`` (as a form, REST or MQTT would), limits
are recalculated, a violation is acknowledged and a sample excluded; then the reports API
returns capability, CSV, XLSX and PDF, each opened and checked against the values sent.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.contrib.auth.models import User
from openpyxl import load_workbook
from pypdf import PdfReader
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from alerts.models import Violation
from alerts.services import acknowledge
from alerts.tests.factories import ReasonCodeFactory
from conftest import persona
from hierarchy.roles import QA_MANAGER
from hierarchy.tests.factories import build_plant
from spc.core.types import SECONDARY_BEYOND_LIMITS
from spc.pipeline.limit_changes import recalculate_limits, set_excluded
from spc.pipeline.processing import SubgroupInput, process
from spc.tests.factories import CharacteristicFactory
from spc.tests.reports.conftest import require_pdf_engine

pytestmark = pytest.mark.django_db
BASE = "/api/v1/reports/"
START = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
# 30 in-control values around 10 (spread ~0.1), then one far out of control.
BASELINE = [10.0 + ((i * 37) % 21 - 10) / 100 for i in range(30)]
OUTLIER = 11.5


@pytest.fixture
def qa(db: None, settings: Any, tmp_path: Path) -> tuple[User, APIClient]:
    require_pdf_engine()
    settings.OPENSPC_REPORTS_DIR = str(tmp_path)
    user = persona("qa-e2e", "qa-e2e-pass-1", QA_MANAGER)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return user, client


def test_samples_through_the_pipeline_come_out_in_every_report(qa: tuple[User, APIClient]) -> None:
    user, api = qa
    plant = build_plant()
    char = CharacteristicFactory(hierarchy=plant["cell"], name="Shaft", usl=10.6, lsl=9.4)
    for i, value in enumerate(BASELINE):
        process(SubgroupInput(char.pk, (value,), timestamp=START + timedelta(minutes=10 * i)))
    recalculate_limits(char, user=user, reason="baseline")
    char.refresh_from_db()
    assert char.sigma is not None
    result = process(SubgroupInput(char.pk, (OUTLIER,), timestamp=START + timedelta(hours=6)))
    # Rule 1 on the individuals; rule 101 (the moving range beyond its limit) on the MR pane.
    assert [v.rule for v in result.violations] == [1, SECONDARY_BEYOND_LIMITS]
    acknowledge(
        [v.pk for v in result.violations], user=user, reason_code=ReasonCodeFactory(code="gauge")
    )
    set_excluded(result.sample, True, reason="gauge error", user=user)

    node = {"node": plant["line"].pk}
    # Capability: the excluded outlier is left out; numbers checked against numpy.
    study = api.get(BASE + "capability/", node).json()["results"][0]
    mean, s = np.mean(BASELINE), np.std(BASELINE, ddof=1)
    assert study["n"] == 30
    assert study["excluded_count"] == 1
    assert study["ppk"] == pytest.approx(min(10.6 - mean, mean - 9.4) / (3 * s))
    # σ within from the study's 30 values is the limits' σ: the baseline is the study.
    assert study["cp"] == pytest.approx(1.2 / (6 * char.sigma))
    assert study["sigma_within_source"] == "estimated"
    # In control (the outlier excluded, its violations acknowledged): the index is read.
    assert (study["open_violations"], study["beyond_limits"]) == (0, 0)
    assert study["verdict"] in ("capable", "marginal", "not capable", "not normal")

    # CSV of measurements: every value sent, the outlier flagged as excluded.
    response = api.get(BASE + "export/", {"kind": "measurements", **node})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [float(r["Value"]) for r in rows] == [*BASELINE, OUTLIER]
    assert [r["Excluded"] for r in rows].count("True") == 1

    # Violations CSV: who acknowledged, with which reason.
    response = api.get(BASE + "export/", {"kind": "violations", **node})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {r["Acknowledged by"] for r in rows} == {"qa-e2e"}
    assert {r["Reason code"] for r in rows} == {"gauge"}
    assert {v.acknowledged_by for v in Violation.objects.all()} == {user}

    # XLSX and PDF jobs: run (eagerly), download, open.
    xlsx_job = api.post(BASE + "jobs/", {"kind": "report", "format": "xlsx", **node}, format="json")
    book = load_workbook(io.BytesIO(_download(api, xlsx_job.json())), read_only=True)
    assert len(list(book["Subgroups"].iter_rows())) - 1 == 31
    pdf_job = api.post(BASE + "jobs/", {"kind": "report", "format": "pdf", **node}, format="json")
    reader = PdfReader(io.BytesIO(_download(api, pdf_job.json())))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Shaft" in text
    assert f"{min(10.6 - mean, mean - 9.4) / (3 * s):.2f}" in text  # Ppk in the summary
    assert "2 violations, 2 acknowledged, 0 open" in text
    assert "Control chart: Individuals and Moving range" in reader.pages[0].extract_text()


def _download(api: APIClient, job: dict[str, str]) -> bytes:
    assert job["state"] == "DONE", job
    response = api.get(job["download_url"])
    assert response.status_code == 200
    return b"".join(response.streaming_content)
