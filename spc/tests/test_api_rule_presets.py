"""REST: the published rule presets listed read-only at /api/v1/rule-presets/ (OpenAPI
documented), a characteristic's ``rule_preset`` read field, cleared when ``rules`` are
written by hand; secondary-pane rules and INFORMATIONAL accepted and validated as 400s."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from spc.models import Characteristic
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(engineer: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(engineer)
    return client


def test_the_presets_are_listed_with_version_rules_and_source(api_client: APIClient) -> None:
    response = api_client.get("/api/v1/rule-presets/")
    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()}
    assert set(rows) == {
        "NELSON@1",
        "WESTERN_ELECTRIC@1",
        "AIAG@1",
        "JURAN@1",
        "MONTGOMERY@1",
    }
    aiag = rows["AIAG@1"]
    # AIAG SPC manual, 2nd ed.: 7 in a row on one side, 7 trending
    assert aiag["rules"]["2"] == {"severity": "WARNING", "length": 7}
    assert aiag["rules"]["3"] == {"severity": "WARNING", "length": 7}
    assert "AIAG" in aiag["source"]
    assert aiag["latest"] is True
    assert aiag["version"] == 1
    assert "Table 5.1" in rows["MONTGOMERY@1"]["source"]


def test_the_presets_need_a_signed_in_user() -> None:
    assert APIClient().get("/api/v1/rule-presets/").status_code in (401, 403)


def test_writing_a_preset_sets_its_rules_and_keeps_the_secondary_pane(
    admin_api: APIClient,
) -> None:
    secondary = {"1": {"severity": "CRITICAL"}, "2": {"severity": "WARNING"}}
    char = CharacteristicFactory(rules={"1": {"severity": "CRITICAL"}, "secondary": secondary})
    url = f"/api/v1/characteristics/{char.pk}/"
    response = admin_api.patch(url, {"rule_preset": "western_electric"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["rule_preset"] == "WESTERN_ELECTRIC@1"  # the latest version, named
    # Western Electric handbook (1956): rules 1, 2 (8 in a row), 5 and 6; nothing else.
    assert set(body["rules"]) == {"1", "2", "5", "6", "secondary"}
    assert body["rules"]["2"]["length"] == 8
    assert body["rules"]["secondary"] == secondary
    response = admin_api.patch(url, {"rule_preset": "SHEWHART@9"}, format="json")
    assert response.status_code == 400
    assert "AIAG@1" in str(response.json()["rule_preset"])
    assert Characteristic.objects.get(pk=char.pk).rule_preset == "WESTERN_ELECTRIC@1"


def test_rule_preset_is_cleared_by_a_hand_edit(admin_api: APIClient) -> None:
    char = CharacteristicFactory(rule_preset="AIAG@1", rules={"1": {"severity": "CRITICAL"}})
    url = f"/api/v1/characteristics/{char.pk}/"
    body = admin_api.get(url).json()
    assert body["rule_preset"] == "AIAG@1"
    response = admin_api.patch(
        url,
        {
            "rules": {
                "1": {"severity": "CRITICAL"},
                "2": {"severity": "INFORMATIONAL", "length": 7},
                "secondary": {"1": {"severity": "CRITICAL"}, "2": {"severity": "WARNING"}},
            },
            "change_reason": "QA",
            "signature_password": "engineer-pass-1",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["rule_preset"] == ""
    char = Characteristic.objects.get(pk=char.pk)
    assert char.rules["secondary"]["2"] == {"severity": "WARNING"}


def test_bad_secondary_rules_are_a_400_with_the_field(admin_api: APIClient) -> None:
    char = CharacteristicFactory()
    response = admin_api.patch(
        f"/api/v1/characteristics/{char.pk}/",
        {"rules": {"1": {}, "secondary": {"5": {"count": 5}}}},
        format="json",
    )
    assert response.status_code == 400
    assert "Secondary pane: Rule 5: count (5) cannot exceed length (3)" in str(
        response.json()["rules"]
    )


def test_the_schema_documents_the_presets_listing(api_client: APIClient) -> None:
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/rule-presets/" in schema
    assert "rule_preset" in schema
