"""Samples API: the pipeline over REST, bad input as 400s, bulk, replay, exclusion."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from spc.models import Characteristic, Sample
from spc.pipeline.windows import windows
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/samples/"


@pytest.fixture
def char() -> Characteristic:
    windows.clear()
    return CharacteristicFactory.create(center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)


def post(client: APIClient, body: Any) -> Any:
    return client.post(URL, body, format="json")


def test_post_stores_and_reports_violations(api_client: APIClient, char: Characteristic) -> None:
    response = post(
        api_client,
        {
            "characteristic": char.pk,
            "measurements": [14.2],
            "operator": "olga",
            "batch_number": "B1",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["measurements"] == [14.2]
    assert body["source"] == "REST"
    assert body["created_by"] == "olga"
    assert [(v["rule"], v["severity"]) for v in body["violations"]] == [(1, "CRITICAL")]


def test_created_by_is_the_authenticated_user_never_the_body(
    api_client: APIClient, char: Characteristic
) -> None:
    body = post(api_client, {"characteristic": char.pk, "measurements": [10], "created_by": 1})
    assert Sample.objects.get(pk=body.json()["id"]).created_by.username == "olga"


def test_idempotent_replay(api_client: APIClient, char: Characteristic) -> None:
    first = post(
        api_client, {"characteristic": char.pk, "measurements": [10], "idempotency_key": "a"}
    )
    again = post(
        api_client, {"characteristic": char.pk, "measurements": [10], "idempotency_key": "a"}
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Sample.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"measurements": ["7"]}, "measurements"),
        ({"measurements": [True]}, "measurements"),
        ({"measurements": []}, "measurements"),
        ({"measurements": [1.0] * 1001}, "measurements"),
        ({"measurements": [1, 2]}, "measurements"),  # an I-MR chart takes one value
        ({"defects": 3}, "measurements"),
        ({"measurements": [1], "timestamp": "yesterday"}, "timestamp"),
        ({"measurements": [1], "operator": "x" * 121}, "operator"),
    ],
)
def test_bad_samples_are_400_with_field(
    api_client: APIClient, char: Characteristic, body: dict[str, Any], field: str
) -> None:
    response = post(api_client, {"characteristic": char.pk, **body})
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Sample.objects.exists()


def test_nan_and_infinity_literals_are_400(api_client: APIClient, char: Characteristic) -> None:
    for literal in ("NaN", "Infinity", "-Infinity"):
        response = api_client.generic(
            "POST",
            URL,
            f'{{"characteristic": {char.pk}, "measurements": [{literal}]}}',
            content_type="application/json",
        )
        assert response.status_code == 400
    assert not Sample.objects.exists()


def test_unknown_characteristic_is_400(api_client: APIClient) -> None:
    response = post(api_client, {"characteristic": 999999, "measurements": [1]})
    assert response.status_code == 400
    assert "characteristic" in response.json()


def test_attribute_sample(api_client: APIClient) -> None:
    char = CharacteristicFactory.create(chart_type="P", subgroup_size=50, min_measurements=1)
    ok = post(api_client, {"characteristic": char.pk, "defectives": 4, "sample_size": 50})
    assert ok.status_code == 201, ok.content
    assert ok.json()["value"] == pytest.approx(0.08)
    bad = post(api_client, {"characteristic": char.pk, "defectives": 60, "sample_size": 50})
    assert bad.status_code == 400
    assert "defectives" in bad.json()


def test_bulk_gives_one_result_per_item(api_client: APIClient, char: Characteristic) -> None:
    items = [
        {"characteristic": char.pk, "measurements": [10.0]},
        {"characteristic": char.pk, "measurements": ["bad"]},
        {"characteristic": char.pk, "measurements": [14.0]},
    ]
    response = post(api_client, items)
    assert response.status_code == 200
    results = response.json()
    assert [r["status"] for r in results] == [201, 400, 201]
    assert "measurements" in results[1]["errors"]
    assert [v["rule"] for v in results[2]["violations"]] == [1]
    assert "sample" not in results[2]  # the stored sample only when asked for
    assert Sample.objects.count() == 2
    assert post(api_client, []).status_code == 400


def test_bulk_gives_the_stored_samples_when_asked(
    api_client: APIClient, char: Characteristic
) -> None:
    items = [
        {"characteristic": char.pk, "measurements": [10.0]},
        {"characteristic": char.pk, "measurements": [14.0]},
    ]
    response = api_client.post(f"{URL}?return=samples", items, format="json")
    assert response.status_code == 200
    results = response.json()
    assert [r["status"] for r in results] == [201, 201]
    assert results[0]["sample"]["value"] == 10.0
    assert [v["rule"] for v in results[1]["sample"]["violations"]] == [1]
    assert results[1]["sample"]["id"] == Sample.objects.order_by("id").last().pk


def test_exclusion_needs_an_engineer_a_reason_and_a_signature(
    api_client: APIClient, engineer: User, char: Characteristic
) -> None:
    sample_id = post(api_client, {"characteristic": char.pk, "measurements": [10]}).json()["id"]
    url = f"{URL}{sample_id}/"
    body = {"is_excluded": True, "exclusion_reason": "bad gauge"}
    assert api_client.patch(url, body, format="json").status_code == 403  # an operator
    staff = APIClient()
    staff.force_authenticate(engineer)
    refused = staff.patch(url, {"is_excluded": True}, format="json")
    assert refused.status_code == 400
    wrong = staff.patch(url, {**body, "signature_password": "guess"}, format="json")
    assert wrong.status_code == 400
    assert "Wrong password" in wrong.json()["signature_password"][0]
    done = staff.patch(url, {**body, "signature_password": "engineer-pass-1"}, format="json")
    assert done.status_code == 200
    assert done.json()["is_excluded"] is True
    assert staff.put(url, {"value": 3}, format="json").status_code == 405


def test_list_filters(api_client: APIClient, char: Characteristic) -> None:
    post(api_client, {"characteristic": char.pk, "measurements": [10]})
    post(api_client, {"characteristic": char.pk, "measurements": [20]})
    assert api_client.get(URL, {"characteristic": char.pk}).json()["count"] == 2
    assert api_client.get(URL, {"has_violations": "true"}).json()["count"] == 1
    assert api_client.get(URL, {"hierarchy": char.hierarchy_id}).json()["count"] == 2
    assert api_client.get(URL, {"start": "2999-01-01T00:00:00Z"}).json()["count"] == 0


def test_unauthenticated_is_401(char: Characteristic) -> None:
    assert post(APIClient(), {"characteristic": char.pk, "measurements": [1]}).status_code == 401


def test_staff_only_for_writes_does_not_apply_to_samples(
    engineer: User, char: Characteristic
) -> None:
    client = APIClient()
    client.force_authenticate(engineer)
    assert post(client, {"characteristic": char.pk, "measurements": [10]}).status_code == 201
