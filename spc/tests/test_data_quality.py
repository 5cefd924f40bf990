"""Issue 27's data quality: plausible limits refused for every source, out-of-spec samples
recorded (and confirmed on manual entry), future timestamps refused, the entry page's
notice for machine-fed characteristics and its focus on the first value."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from ingest.batch_store import BatchStore
from ingest.models import DeadLetter
from ingest.operations import BatchWork, Operations, PipelineInput
from spc.core.errors import InputError
from spc.models import Characteristic, Sample
from spc.pipeline.inputs import clean_input
from spc.pipeline.processing import SubgroupInput, process
from spc.pipeline.windows import windows
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
LIMIT_TEXT = "1000 N·m is above the plausible maximum 200 N·m for Torque"


@pytest.fixture
def torque() -> Characteristic:
    """I-MR torque in N·m, spec 40 … 60, plausible 0 … 200."""
    windows.clear()
    return CharacteristicFactory.create(
        name="Torque",
        unit="N·m",
        decimal_places=1,
        lsl=40.0,
        usl=60.0,
        plausible_low=0.0,
        plausible_high=200.0,
    )


def test_pipeline_refuses_a_value_outside_the_plausible_limits_for_every_source(
    torque: Characteristic,
) -> None:
    for source in ("MANUAL", "REST", "MQTT"):
        with pytest.raises(InputError) as refused:
            process(SubgroupInput(torque.pk, (1e3,), source=source))
        assert refused.value.field == "measurements"
        assert LIMIT_TEXT in refused.value.message
    assert not Sample.objects.exists()
    assert process(SubgroupInput(torque.pk, (200.0,), source="MQTT")).created


def test_entry_form_shows_the_plausible_limit_as_a_form_error(
    client: Any, operator: Any, torque: Characteristic
) -> None:
    client.force_login(operator)
    html = client.post(f"/chars/{torque.pk}/entry/", {"m0": "1e3"}, **HTMX).content.decode()
    assert "Not stored" in html
    assert f"Value 1: {LIMIT_TEXT}" in html
    check = client.post(f"/chars/{torque.pk}/entry/check/", {"m0": "1e3"}).content.decode()
    assert "data-implausible" in check
    assert LIMIT_TEXT in check
    assert "confirm_out_of_spec" not in check
    assert not Sample.objects.exists()


def test_rest_refuses_an_implausible_value_with_a_400_on_measurements(
    api_client: APIClient, torque: Characteristic
) -> None:
    response = api_client.post(
        "/api/v1/samples/", {"characteristic": torque.pk, "measurements": [1e3]}, format="json"
    )
    assert response.status_code == 400
    assert LIMIT_TEXT in str(response.json())
    assert "measurements" in str(response.json())


def test_mqtt_implausible_value_becomes_an_input_error_dead_letter(
    torque: Characteristic,
) -> None:
    letters = _mqtt_dead_letters(torque, [(1e3,), (50.0,)])
    assert [letter.reason for letter in letters] == ["input_error"]
    assert LIMIT_TEXT in letters[0].detail
    assert Sample.objects.get().source == "MQTT"


def _mqtt_dead_letters(
    char: Characteristic, values: list[tuple[float, ...]], stamp: Any = None
) -> list[DeadLetter]:
    """The ingest worker's batch store with MQTT subgroups: what it dead-letters."""
    ops = Operations()
    for v in values:
        data = SubgroupInput(char.pk, v, timestamp=stamp, source="MQTT")
        ops.append(PipelineInput(data, topic="plant/torque", payload=b"{}"))
    BatchStore(None, None, BatchWork(), "", "").apply(ops)
    return list(DeadLetter.objects.all())


def test_characteristic_api_has_the_plausible_limits_and_refuses_them_reversed(
    client: Any, engineer: Any, torque: Characteristic
) -> None:
    client.force_login(engineer)
    body = client.get(f"/api/v1/characteristics/{torque.pk}/").json()
    assert (body["plausible_low"], body["plausible_high"]) == (0.0, 200.0)
    response = client.patch(
        f"/api/v1/characteristics/{torque.pk}/",
        {"plausible_low": 300.0, "reason": "test"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "plausible maximum must be above" in str(response.json())


def test_out_of_spec_entry_needs_a_confirmation_then_records_who_gave_it(
    client: Any, operator: Any, torque: Characteristic
) -> None:
    client.force_login(operator)
    url = f"/chars/{torque.pk}/entry/"
    check = client.post(f"{url}check/", {"m0": "65"}).content.decode()
    assert 'name="confirm_out_of_spec"' in check
    refused = client.post(url, {"m0": "65"}, **HTMX).content.decode()
    assert "confirm that it is real" in refused
    assert 'hx-swap-oob="true"' in refused
    assert 'name="confirm_out_of_spec"' in refused
    assert not Sample.objects.exists()
    stored = client.post(url, {"m0": "65", "confirm_out_of_spec": "on"}, **HTMX)
    sample = Sample.objects.get()
    assert sample.out_of_spec
    assert sample.spec_confirmed_by == operator
    assert "Out of spec" in stored.content.decode()
    listing = client.get("/out-of-spec/").content.decode()
    assert f'data-sample-id="{sample.pk}"' in listing
    assert operator.username in listing
    assert "/out-of-spec/" in client.get("/violations/").content.decode()


def test_in_spec_entry_needs_no_confirmation_and_is_not_flagged(
    client: Any, operator: Any, torque: Characteristic
) -> None:
    client.force_login(operator)
    client.post(f"/chars/{torque.pk}/entry/", {"m0": "60"}, **HTMX)  # on the USL: inside
    sample = Sample.objects.get()
    assert not sample.out_of_spec
    assert sample.spec_confirmed_by is None


def test_rest_stores_an_out_of_spec_sample_and_says_so(
    api_client: APIClient, torque: Characteristic
) -> None:
    response = api_client.post(
        "/api/v1/samples/", {"characteristic": torque.pk, "measurements": [61.5]}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["out_of_spec"] is True
    assert response.json()["spec_confirmed_by"] is None
    mqtt = process(SubgroupInput(torque.pk, (39.0,), source="MQTT"))
    assert mqtt.sample.out_of_spec


def test_a_subgroup_mean_outside_spec_marks_the_sample() -> None:
    char = CharacteristicFactory.create(
        chart_type="XBAR_R", subgroup_size=2, min_measurements=2, lsl=0.0, usl=1.0
    )
    assert process(SubgroupInput(char.pk, (0.2, 1.5))).sample.out_of_spec
    assert not process(SubgroupInput(char.pk, (0.2, 0.9))).sample.out_of_spec


def test_a_timestamp_exactly_at_the_allowed_skew_is_accepted_and_beyond_it_refused() -> None:
    now = timezone.now()
    with override_settings(OPENSPC_MAX_FUTURE_SKEW_SECONDS=300):
        at_skew = SubgroupInput(1, (1.0,), timestamp=now + timedelta(seconds=300))
        assert clean_input(at_skew, now)[1] == now + timedelta(seconds=300)
        beyond = SubgroupInput(1, (1.0,), timestamp=now + timedelta(seconds=300, microseconds=1))
        with pytest.raises(InputError) as refused:
            clean_input(beyond, now)
    assert refused.value.field == "timestamp"
    assert "in the future" in refused.value.message


def test_future_timestamps_are_refused_by_rest_and_mqtt(
    api_client: APIClient, torque: Characteristic
) -> None:
    future = timezone.now() + timedelta(minutes=10)
    response = api_client.post(
        "/api/v1/samples/",
        {"characteristic": torque.pk, "measurements": [50.0], "timestamp": future.isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert "in the future" in str(response.json()["timestamp"])
    letters = _mqtt_dead_letters(torque, [(50.0,)], future)
    assert [letter.reason for letter in letters] == ["input_error"]
    assert "in the future" in letters[0].detail
    soon = timezone.now() + timedelta(seconds=200)
    assert process(SubgroupInput(torque.pk, (50.0,), timestamp=soon, source="REST")).created


def test_entry_page_says_when_a_machine_feeds_the_characteristic(
    client: Any, operator: Any
) -> None:
    fed = CharacteristicFactory.create(provider="MQTT", mqtt_topic="plant/press/force")
    client.force_login(operator)
    html = client.get(f"/chars/{fed.pk}/entry/").content.decode()
    assert "data-machine-fed" in html
    assert "fed by a machine" in html
    client.post(f"/chars/{fed.pk}/entry/", {"m0": "5"}, **HTMX)
    assert Sample.objects.get(characteristic=fed).source == "MANUAL"
    manual = CharacteristicFactory.create()
    assert "data-machine-fed" not in client.get(f"/chars/{manual.pk}/entry/").content.decode()


def test_entry_form_focuses_the_first_value(
    client: Any, operator: Any, torque: Characteristic
) -> None:
    xbar = CharacteristicFactory.create(chart_type="XBAR_R", subgroup_size=3, min_measurements=2)
    client.force_login(operator)
    for char in (torque, xbar):
        html = client.get(f"/chars/{char.pk}/entry/").content.decode()
        assert html.count("autofocus") == 1
        first = html.index('name="m0"')
        assert html.index("autofocus", first) < html.index(">", first)
