"""The schedule and retention policies in the Characteristic admin and the REST API."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from hierarchy.models import Node
from spc.jobs.policies import POLICY_MAX
from spc.models import Characteristic
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/characteristics/"
POLICIES = ["sampling_interval_minutes", "retention_days", "recalc_every_days"]


@pytest.fixture
def staff(engineer: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(engineer)
    return client


def _payload(node: Node, **extra: Any) -> dict[str, Any]:
    return {"name": "Bore", "hierarchy": node.pk, "chart_type": "I_MR", **extra}


def test_api_creates_reads_and_clears_the_policies(staff: APIClient, plant: dict[str, Node]):
    values = {"sampling_interval_minutes": 15, "retention_days": 365, "recalc_every_days": 30}
    created = staff.post(URL, _payload(plant["line"], **values), format="json")
    assert created.status_code == 201, created.content
    url = f"{URL}{created.json()['id']}/"
    assert {k: staff.get(url).json()[k] for k in POLICIES} == values
    cleared = staff.patch(url, dict.fromkeys(POLICIES), format="json")
    assert cleared.status_code == 200, cleared.content
    char = Characteristic.objects.get(pk=created.json()["id"])
    assert [getattr(char, k) for k in POLICIES] == [None, None, None]


def test_api_policies_default_to_off(staff: APIClient, plant: dict[str, Node]):
    body = staff.post(URL, _payload(plant["line"]), format="json").json()
    assert [body[k] for k in POLICIES] == [None, None, None]


@pytest.mark.parametrize("field", POLICIES)
@pytest.mark.parametrize("bad", [0, -5, 1.5, "often", True])
def test_api_rejects_a_policy_that_is_not_a_positive_integer(
    staff: APIClient, plant: dict[str, Node], field: str, bad: Any
):
    response = staff.post(URL, _payload(plant["line"], **{field: bad}), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Characteristic.objects.exists()


@pytest.mark.parametrize("field", POLICIES)
def test_api_caps_each_policy(staff: APIClient, plant: dict[str, Node], field: str):
    too_big = staff.post(
        URL, _payload(plant["line"], **{field: POLICY_MAX[field] + 1}), format="json"
    )
    assert too_big.status_code == 400
    assert field in too_big.json()
    at_cap = staff.post(URL, _payload(plant["line"], **{field: POLICY_MAX[field]}), format="json")
    assert at_cap.status_code == 201, at_cap.content


def test_admin_change_form_has_the_schedules_and_retention_fieldset(client: Client, engineer):
    char = CharacteristicFactory(retention_days=90)
    client.force_login(engineer)
    page = client.get(reverse("admin:spc_characteristic_change", args=[char.pk])).text
    assert "Schedules and retention" in page
    for field in POLICIES:
        assert f'name="{field}"' in page
    assert 'name="retention_days" value="90"' in page


def test_admin_form_bounds_the_policies(engineer: User):
    request = RequestFactory().get("/")
    request.user = engineer
    form_class = admin.site._registry[Characteristic].get_form(request)
    for field in POLICIES:
        formfield = form_class.base_fields[field]
        assert formfield.required is False
        assert (formfield.min_value, formfield.max_value) == (1, POLICY_MAX[field])
        assert formfield.clean("") is None
        for bad in ("0", str(POLICY_MAX[field] + 1)):
            with pytest.raises(ValidationError):
                formfield.clean(bad)
