"""Characteristics API: CRUD with model rules as 400s, recalculation, chart data, capability."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from hierarchy.models import Node
from spc.models import Characteristic, LimitSet
from spc.pipeline.processing import SubgroupInput, process
from spc.pipeline.windows import windows
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/characteristics/"


@pytest.fixture
def staff(engineer: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(engineer)
    return client


@pytest.fixture
def with_data() -> Characteristic:
    windows.clear()
    char = CharacteristicFactory.create(usl=14.0, lsl=7.0)
    for value in [10.0, 11.0] * 15:
        process(SubgroupInput(characteristic_id=char.pk, measurements=(value,)))
    return char


def payload(node: Node, **extra: Any) -> dict[str, Any]:
    return {
        "name": "Bore",
        "hierarchy": node.pk,
        "chart_type": "XBAR_R",
        "subgroup_size": 5,
        "min_measurements": 3,
        "usl": 10.1,
        "lsl": 9.9,
        **extra,
    }


def test_create_and_read_back(staff: APIClient, plant: dict[str, Node]) -> None:
    response = staff.post(URL, payload(plant["line"]), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["rules"]["1"]["severity"] == "CRITICAL"
    assert staff.get(f"{URL}{body['id']}/").json()["subgroup_size"] == 5
    assert staff.get(URL, {"hierarchy": plant["site"].pk}).json()["count"] == 1
    assert staff.get(URL, {"chart_type": "P"}).json()["count"] == 0


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"usl": 9.0, "lsl": 10.0}, "non_field_errors"),
        ({"min_measurements": 6}, "non_field_errors"),
        ({"rules": {"9": {"severity": "WARNING"}}}, "rules"),
        ({"rules": {"2": {"severity": "LOUD"}}}, "rules"),
        ({"chart_type": "PIE"}, "chart_type"),
    ],
)
def test_invalid_characteristic_is_a_400_with_field(
    staff: APIClient, plant: dict[str, Node], extra: dict[str, Any], field: str
) -> None:
    response = staff.post(URL, payload(plant["line"], **extra), format="json")
    assert response.status_code == 400
    assert field in response.json() or len(response.json()) >= 1


def test_operator_reads_but_cannot_write(api_client: APIClient, plant: dict[str, Node]) -> None:
    CharacteristicFactory.create()
    assert api_client.get(URL).status_code == 200
    assert api_client.post(URL, payload(plant["line"]), format="json").status_code == 403


def test_recalculate_preview_then_store(staff: APIClient, with_data: Characteristic) -> None:
    url = f"{URL}{with_data.pk}/recalculate-limits/"
    preview = staff.post(url, {"last_n": 30, "dry_run": True}, format="json")
    assert preview.status_code == 200, preview.content
    body = preview.json()
    # Individuals alternating 10, 11: mean 10.5, MR-bar 1, sigma = 1/1.128 (Montgomery I-MR).
    assert body["center_line"] == pytest.approx(10.5)
    assert body["sigma"] == pytest.approx(1 / 1.128)
    assert body["secondary_ucl"] == pytest.approx(3.267)
    assert body["stored"] is False
    assert not LimitSet.objects.exists()
    unsigned = staff.post(url, {"last_n": 30, "reason": "baseline"}, format="json")
    assert unsigned.status_code == 400
    assert "signature_password" in unsigned.json()
    assert not LimitSet.objects.exists()
    signed = {"last_n": 30, "reason": "baseline", "signature_password": "engineer-pass-1"}
    stored = staff.post(url, signed, format="json").json()
    assert stored["stored"] is True
    assert LimitSet.objects.get().created_by.username == "ernst"


def test_recalculate_zero_spread_is_a_400(staff: APIClient) -> None:
    char = CharacteristicFactory.create()
    for _ in range(5):
        process(SubgroupInput(characteristic_id=char.pk, measurements=(2.0,)))
    signed = {"reason": "baseline", "signature_password": "engineer-pass-1"}
    response = staff.post(f"{URL}{char.pk}/recalculate-limits/", signed, format="json")
    assert response.status_code == 400
    assert "spread" in response.json()["non_field_errors"][0].lower()


def test_chart_data_and_capability(api_client: APIClient, with_data: Characteristic) -> None:
    data = api_client.get(f"{URL}{with_data.pk}/chart-data/", {"limit": 10}).json()
    assert len(data["points"]) == 10
    assert data["points"][-1]["value"] == 11.0
    cap = api_client.get(f"{URL}{with_data.pk}/capability/")
    assert cap.status_code == 200, cap.content
    body = cap.json()
    assert {"cp", "cpk", "pp", "ppk", "cpm", "sigma_within", "sigma_overall"} <= body.keys()
    assert body["pp"] == pytest.approx((14.0 - 7.0) / (6 * body["sigma_overall"]))
