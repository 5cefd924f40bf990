"""Subgroup minimums by chart type (issue 26, point 7): an X̄-R or X̄-S subgroup of one
value is refused with the same message by the form, REST and MQTT, and a characteristic
cannot be configured to accept one."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.forms.models import model_to_dict
from django.test import Client
from rest_framework.test import APIClient

from ingest.batch_store import BatchStore
from ingest.models import DeadLetter
from ingest.operations import BatchWork, Operations, PipelineInput
from spc.admin.forms import CharacteristicAdminForm
from spc.core.errors import InputError
from spc.models import Characteristic, Sample
from spc.pipeline.processing import SubgroupInput, process
from spc.pipeline.windows import windows
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db

RANGE_MESSAGE = "An X̄-R subgroup needs at least 2 measurements to have a range"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def xbar_r() -> Characteristic:
    """An X̄-R characteristic configured before the minimum existed (min_measurements 1)."""
    windows.clear()
    return CharacteristicFactory.create(chart_type="XBAR_R", subgroup_size=5, min_measurements=1)


def test_the_pipeline_refuses_a_one_value_xbar_r_subgroup(xbar_r: Characteristic) -> None:
    with pytest.raises(InputError) as caught:
        process(SubgroupInput(characteristic_id=xbar_r.pk, measurements=(74.0,)))
    assert caught.value.field == "measurements"
    assert caught.value.message.startswith(RANGE_MESSAGE)
    assert not Sample.objects.exists()


def test_the_pipeline_refuses_a_one_value_xbar_s_subgroup() -> None:
    char = CharacteristicFactory(chart_type="XBAR_S", subgroup_size=4, min_measurements=1)
    with pytest.raises(InputError) as caught:
        process(SubgroupInput(characteristic_id=char.pk, measurements=(74.0,)))
    assert "at least 2 measurements to have a standard deviation" in caught.value.message


def test_two_values_are_enough(xbar_r: Characteristic) -> None:
    result = process(SubgroupInput(characteristic_id=xbar_r.pk, measurements=(74.0, 74.02)))
    assert result.sample.range == pytest.approx(0.02)


def test_rest_answers_400_with_the_field(
    api_client: APIClient, engineer: User, xbar_r: Characteristic
) -> None:
    api_client.force_authenticate(engineer)
    response = api_client.post(
        "/api/v1/samples/", {"characteristic": xbar_r.pk, "measurements": [74.0]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["measurements"][0].startswith(RANGE_MESSAGE)
    assert not Sample.objects.exists()


def test_the_entry_form_shows_the_message(
    client: Client, operator: User, xbar_r: Characteristic
) -> None:
    client.force_login(operator)
    html = client.post(f"/chars/{xbar_r.pk}/entry/", {"m0": "74.0"}, **HTMX).content.decode()
    assert "Not stored" in html
    assert RANGE_MESSAGE in html
    assert not Sample.objects.exists()


def test_mqtt_subgroup_becomes_a_dead_letter(xbar_r: Characteristic) -> None:
    ops = Operations()
    data = SubgroupInput(characteristic_id=xbar_r.pk, measurements=(74.0,), source="MQTT")
    ops.append(PipelineInput(data, topic="plant/bore", payload=b"74.0"))
    work = BatchWork()
    BatchStore(None, None, work, "", "").apply(ops)
    letter = DeadLetter.objects.get()
    assert (letter.topic, letter.reason) == ("plant/bore", "input_error")
    assert RANGE_MESSAGE in letter.detail
    assert work.outcome.dead_letters == 1
    assert not Sample.objects.exists()


# --- the characteristic's own minimum --------------------------------------------------


def _admin_data(char: Characteristic, **changes: Any) -> dict[str, Any]:
    """The admin form's data for ``char`` as stored (its rules unchanged: a rule change
    needs a reason and a signature), with ``changes``."""
    data = {k: v for k, v in model_to_dict(char).items() if v is not None}
    unbound = CharacteristicAdminForm(instance=char)
    data.update(
        {
            name: field.initial
            for name, field in unbound.fields.items()
            if name.startswith("rule_") and field.initial not in (None, False)
        }
    )
    data.update(changes)
    return data


def test_admin_form_refuses_min_measurements_below_two_for_xbar_r() -> None:
    char = CharacteristicFactory(chart_type="I_MR")
    form = CharacteristicAdminForm(
        data=_admin_data(char, chart_type="XBAR_R", subgroup_size=5, min_measurements=1),
        instance=char,
    )
    assert not form.is_valid()
    assert "needs at least 2 measurements per subgroup to have a range" in str(
        form.errors["min_measurements"]
    )
    fixed = CharacteristicAdminForm(
        data=_admin_data(char, chart_type="XBAR_R", subgroup_size=5, min_measurements=2),
        instance=char,
    )
    assert fixed.is_valid(), fixed.errors


def test_admin_form_leaves_an_older_row_editable(xbar_r: Characteristic) -> None:
    form = CharacteristicAdminForm(data=_admin_data(xbar_r, unit="µm"), instance=xbar_r)
    assert form.is_valid(), form.errors


def test_api_refuses_min_measurements_below_two_for_xbar_s(
    api_client: APIClient, engineer: User
) -> None:
    api_client.force_authenticate(engineer)
    body = {
        "name": "Bore",
        "hierarchy": xbar_node(),
        "chart_type": "XBAR_S",
        "subgroup_size": 4,
        "min_measurements": 1,
    }
    response = api_client.post("/api/v1/characteristics/", body, format="json")
    assert response.status_code == 400
    assert "X̄-S chart needs at least 2 measurements" in response.json()["min_measurements"][0]


def test_api_defaults_min_measurements_to_two_for_a_new_xbar_r(
    api_client: APIClient, engineer: User
) -> None:
    api_client.force_authenticate(engineer)
    body = {"name": "Bore", "hierarchy": xbar_node(), "chart_type": "XBAR_R", "subgroup_size": 5}
    response = api_client.post("/api/v1/characteristics/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["min_measurements"] == 2


def test_api_patch_of_another_field_leaves_an_older_row_writable(
    api_client: APIClient, engineer: User, xbar_r: Characteristic
) -> None:
    api_client.force_authenticate(engineer)
    url = f"/api/v1/characteristics/{xbar_r.pk}/"
    assert api_client.patch(url, {"unit": "µm"}, format="json").status_code == 200
    refused = api_client.patch(url, {"min_measurements": 1}, format="json")
    assert refused.status_code == 400
    assert "min_measurements" in refused.json()


def xbar_node() -> int:
    """A fresh line node's id for a new characteristic."""
    return int(CharacteristicFactory().hierarchy_id)
