"""Annotations and signed corrections in the exports (issue 23): their own CSV tables, in
the XLSX workbook, kept to the scope's subtree and period."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from conftest import persona
from hierarchy.roles import QA_MANAGER
from spc.models import Sample
from spc.pipeline.annotations import add_annotation
from spc.pipeline.corrections import correct_sample
from spc.reports.tasks import WORKBOOK_TABLES
from spc.tests.reports.conftest import DAY0, Dataset

BASE = "/api/v1/reports/export/"


@pytest.fixture
def qa() -> User:
    return persona("mes", "mes-pass-123", QA_MANAGER)


def export(qa: User, params: dict[str, object]) -> list[dict[str, str]]:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=qa)[0].key}")
    response = client.get(BASE, params)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_annotations_and_corrections_are_exported(dataset: Dataset, qa: User) -> None:
    first = Sample.objects.filter(characteristic=dataset.bore, is_excluded=False).order_by("id")[0]
    add_annotation(dataset.bore, user=qa, text="Insert changed", kind="TOOL_CHANGE", sample=first)
    add_annotation(
        dataset.elsewhere, user=qa, text="Other line", start=DAY0, end=DAY0 + timedelta(hours=1)
    )
    correct_sample(
        first,
        user=qa,
        password="mes-pass-123",
        reason="Read 10.1 as 10.7",
        measurements=[first.value + 0.01],
    )
    node = dataset.plant["line"].pk
    notes = export(qa, {"kind": "annotations", "node": node})
    assert [(r["Kind"], r["Note"], r["Sample ID"]) for r in notes] == [
        ("TOOL_CHANGE", "Insert changed", str(first.pk))
    ]
    fixes = export(qa, {"kind": "corrections", "node": node})
    assert len(fixes) == 1
    assert fixes[0]["Reason"] == "Read 10.1 as 10.7"
    assert fixes[0]["Signed by"] == "mes"
    assert "measurements" in fixes[0]["Before"]
    assert {"annotations", "corrections"} <= set(WORKBOOK_TABLES)
