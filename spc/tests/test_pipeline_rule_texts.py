"""Rule texts from the configured rule (issue 26, point 6) wherever a violation is read:
with the Western Electric preset (rule 2 of length 8) a run of eight reads "8 in a row",
in the live event, the REST API (sample response, violation list and detail), the
violations page and the export."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from alerts.models import Violation
from spc.admin.forms import PRESETS
from spc.models import Characteristic
from spc.pipeline.processing import SubgroupInput, process
from spc.pipeline.windows import windows
from spc.reports import exports
from spc.reports.scope import ReportScope
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db

EIGHT = "8 in a row on one side of the centre line"


@pytest.fixture
def western_electric() -> Characteristic:
    """An I chart (CL 0, limits ±3, σ 1) with the Western Electric preset."""
    windows.clear()
    return CharacteristicFactory.create(
        name="Gap",
        center_line=0.0,
        ucl=3.0,
        lcl=-3.0,
        sigma=1.0,
        rules=PRESETS["WESTERN_ELECTRIC"],
    )


def run_of_eight(char: Characteristic) -> Violation:
    """Seven points at +1σ exactly (on the 1σ line: not beyond it), then the eighth."""
    for _ in range(7):
        assert not process(SubgroupInput(char.pk, (1.0,))).violations
    result = process(SubgroupInput(char.pk, (1.0,)))
    (violation,) = result.violations
    assert violation.rule == 2
    assert result.event["violations"][0]["rule_name"] == EIGHT
    return violation


def test_the_live_event_reads_the_configured_length(western_electric: Characteristic) -> None:
    run_of_eight(western_electric)


def test_the_rest_sample_response_names_the_rule(
    api_client: APIClient, western_electric: Characteristic
) -> None:
    for _ in range(7):
        process(SubgroupInput(western_electric.pk, (1.0,)))
    body = {"characteristic": western_electric.pk, "measurements": [1.0]}
    response = api_client.post("/api/v1/samples/", body, format="json")
    assert response.status_code == 201
    assert [(v["rule"], v["rule_name"]) for v in response.json()["violations"]] == [(2, EIGHT)]
    listed = api_client.get(f"/api/v1/samples/?characteristic={western_electric.pk}").json()
    newest = listed["results"][0]
    assert newest["violations"][0]["rule_name"] == EIGHT


def test_the_violations_api_list_and_detail(
    api_client: APIClient, western_electric: Characteristic
) -> None:
    violation = run_of_eight(western_electric)
    listed = api_client.get("/api/v1/violations/").json()["results"]
    assert [v["rule_name"] for v in listed] == [EIGHT]
    detail = api_client.get(f"/api/v1/violations/{violation.pk}/").json()
    assert detail["rule_name"] == EIGHT


def test_the_violations_page(
    client: Client, operator: User, western_electric: Characteristic
) -> None:
    run_of_eight(western_electric)
    client.force_login(operator)
    html = client.get(reverse("spc:alerts:list")).content.decode()
    assert EIGHT in html
    assert "9 in a row" not in html


def test_the_export(western_electric: Characteristic) -> None:
    run_of_eight(western_electric)
    table = exports.violation_table(ReportScope())
    (row,) = list(table.rows)
    assert EIGHT in row


def test_the_entry_result_and_the_sample_page(
    client: Client, operator: User, western_electric: Characteristic
) -> None:
    for _ in range(7):
        process(SubgroupInput(western_electric.pk, (1.0,)))
    client.force_login(operator)
    html = client.post(
        f"/chars/{western_electric.pk}/entry/", {"m0": "1.0"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert EIGHT in html
    (violation,) = Violation.objects.all()
    page = client.get(reverse("spc:sample", args=[violation.sample_id])).content.decode()
    assert EIGHT in page
    assert "9 in a row" not in page
