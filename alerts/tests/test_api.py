"""Violations and reason codes API: filters, stats, acknowledgement."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from alerts.models import Violation
from alerts.services import SUPERSEDED
from alerts.tests.factories import ReasonCodeFactory
from spc.models import Characteristic
from spc.pipeline.processing import SubgroupInput, process
from spc.pipeline.windows import windows
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/violations/"


@pytest.fixture
def shifted() -> Characteristic:
    """Twelve points above the centre then one beyond: rule 2 on points 9-13 (one
    episode) and rule 1 on point 13."""
    windows.clear()
    char = CharacteristicFactory.create(center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)
    for value in [10.5] * 12 + [20.0]:
        process(SubgroupInput(characteristic_id=char.pk, measurements=(value,)))
    ReasonCodeFactory(code="tool-wear")
    return char


def test_list_and_filters(api_client: APIClient, shifted: Characteristic) -> None:
    assert api_client.get(URL).json()["count"] == 6
    assert api_client.get(URL, {"rule": 2}).json()["count"] == 5
    assert api_client.get(URL, {"severity": "CRITICAL"}).json()["count"] == 1
    assert api_client.get(URL, {"acknowledged": "false"}).json()["count"] == 6
    assert api_client.get(URL, {"hierarchy": shifted.hierarchy_id}).json()["count"] == 6
    first = api_client.get(URL, {"rule": 1}).json()["results"][0]
    assert "beyond 3σ" in first["rule_name"]


def test_acknowledge_closes_the_episode(api_client: APIClient, shifted: Characteristic) -> None:
    one = Violation.objects.filter(rule=2).order_by("id")[2]
    response = api_client.post(
        f"{URL}{one.pk}/acknowledge/", {"reason_code": "tool-wear", "comment": "changed insert"}
    )
    assert response.status_code == 200, response.content
    assert len(response.json()["acknowledged"]) == 5
    assert Violation.objects.unacknowledged().count() == 1
    acked = Violation.objects.filter(rule=2).first()
    assert acked is not None
    assert acked.acknowledged_by is not None
    assert acked.acknowledged_by.username == "olga"


def test_acknowledge_errors(api_client: APIClient, shifted: Characteristic) -> None:
    violation = Violation.objects.first()
    assert violation is not None
    missing = api_client.post(f"{URL}{violation.pk}/acknowledge/", {})
    assert missing.status_code == 400
    unknown = api_client.post(f"{URL}{violation.pk}/acknowledge/", {"reason_code": "nope"})
    assert unknown.status_code == 400
    assert "reason_code" in unknown.json()
    assert (
        api_client.post(f"{URL}999999/acknowledge/", {"reason_code": "tool-wear"}).status_code
        == 404
    )


def test_batch_acknowledge_and_stats(api_client: APIClient, shifted: Characteristic) -> None:
    ids = list(Violation.objects.values_list("pk", flat=True))
    response = api_client.post(
        f"{URL}batch-acknowledge/", {"ids": ids, "reason_code": "tool-wear"}, format="json"
    )
    assert response.status_code == 200
    assert sorted(response.json()["acknowledged"]) == sorted(ids)
    stats = api_client.get(f"{URL}stats/").json()
    assert stats["total"] == 6
    assert stats["acknowledged"] == 6
    assert stats["by_rule"] == {"1": 1, "2": 5}
    assert stats["mean_time_to_acknowledge_seconds"] >= 0
    assert api_client.post(f"{URL}batch-acknowledge/", {"reason_code": "x"}).status_code == 400


def test_reason_codes(api_client: APIClient, shifted: Characteristic) -> None:
    # The system's SUPERSEDED code (alerts migration 0006, inactive) is listed too.
    every = api_client.get("/api/v1/reason-codes/").json()
    assert {r["code"]: r["active"] for r in every["results"]} == {
        "tool-wear": True,
        SUPERSEDED: False,
    }
    body = api_client.get("/api/v1/reason-codes/?active=true").json()
    assert [r["code"] for r in body["results"]] == ["tool-wear"]
    assert (
        api_client.post("/api/v1/reason-codes/", {"code": "x", "description": "y"}).status_code
        == 403
    )
