"""Malformed sample submissions are 400s with field details, alone or inside a bulk list,
and store nothing: numbers too large to chart, unknown ids, non-objects, oversized lists."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from spc.models import Characteristic, Sample
from spc.pipeline.windows import windows
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/samples/"
HUGE = "1" + "0" * 400  # a JSON integer no float can hold


@pytest.fixture
def char() -> Characteristic:
    windows.clear()
    return CharacteristicFactory.create(center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)


def raw(client: APIClient, text: str) -> Any:
    return client.generic("POST", URL, text, content_type="application/json")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{{"characteristic": {pk}, "measurements": [{huge}]}}', "measurements"),
        ('{{"characteristic": {pk}, "measurements": [1e308]}}', "measurements"),
        ('{{"characteristic": {huge}, "measurements": [1]}}', "characteristic"),
        ('{{"characteristic": 0, "measurements": [1]}}', "characteristic"),
        ('{{"characteristic": "one", "measurements": [1]}}', "characteristic"),
        ('{{"characteristic": {pk}, "measurements": 5}}', "measurements"),
        (
            '{{"characteristic": {pk}, "measurements": [1], "idempotency_key": ""}}',
            "idempotency_key",
        ),
    ],
)
def test_numbers_and_ids_out_of_range_are_400(
    api_client: APIClient, char: Characteristic, body: str, field: str
) -> None:
    response = raw(api_client, body.format(pk=char.pk, huge=HUGE))
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Sample.objects.exists()


def test_huge_attribute_counts_are_400(api_client: APIClient) -> None:
    pk = CharacteristicFactory.create(chart_type="U", subgroup_size=5).pk
    for field, text in [
        ("defects", f'{{"characteristic": {pk}, "defects": {HUGE}, "sample_size": 5}}'),
        ("sample_size", f'{{"characteristic": {pk}, "defects": 3, "sample_size": {HUGE}}}'),
    ]:
        response = raw(api_client, text)
        assert response.status_code == 400, response.content
        assert field in response.json()
    assert not Sample.objects.exists()


def test_unknown_characteristic_with_an_idempotency_key_is_400(api_client: APIClient) -> None:
    response = api_client.post(
        URL,
        {"characteristic": 987654, "measurements": [1], "idempotency_key": "k"},
        format="json",
    )
    assert response.status_code == 400
    assert "characteristic" in response.json()


def test_inactive_characteristic_is_400(api_client: APIClient) -> None:
    char = CharacteristicFactory.create(active=False)
    response = api_client.post(URL, {"characteristic": char.pk, "measurements": [1]}, format="json")
    assert response.status_code == 400
    assert "characteristic" in response.json()


def test_a_body_that_is_not_an_object_is_400(api_client: APIClient) -> None:
    for text in ("null", "5", '"text"'):
        response = raw(api_client, text)
        assert response.status_code == 400, text
        assert "non_field_errors" in response.json()


def test_bulk_reports_each_bad_item_in_place(api_client: APIClient, char: Characteristic) -> None:
    unknown = '{"characteristic": 987654, "measurements": [1]}'
    good = f'{{"characteristic": {char.pk}, "measurements": [10]}}'
    items = f"[null, 5, {unknown}, {good}]"
    response = raw(api_client, items)
    assert response.status_code == 200
    results = response.json()
    assert [r["status"] for r in results] == [400, 400, 400, 201]
    assert "non_field_errors" in results[0]["errors"]
    assert "characteristic" in results[2]["errors"]
    stored = Sample.objects.get()
    assert results[3] == {"status": 201, "id": stored.pk, "violations": []}
    assert stored.characteristic_id == char.pk


def test_bulk_over_the_cap_is_refused_whole(api_client: APIClient, char: Characteristic) -> None:
    items = [{"characteristic": char.pk, "measurements": [10]}] * 1001
    response = api_client.post(URL, items, format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert not Sample.objects.exists()


def test_bulk_replay_gives_the_stored_samples(api_client: APIClient, char: Characteristic) -> None:
    items = [
        {"characteristic": char.pk, "measurements": [10 + i], "idempotency_key": f"m-{i}"}
        for i in range(3)
    ]
    first = api_client.post(URL, items, format="json").json()
    again = api_client.post(URL, items, format="json").json()
    assert [r["status"] for r in first] == [201, 201, 201]
    assert [r["status"] for r in again] == [200, 200, 200]
    assert [r["id"] for r in again] == [r["id"] for r in first]
    assert Sample.objects.count() == 3


def test_offsets_beyond_postgresqls_range_are_stored_in_utc(
    api_client: APIClient, char: Characteristic
) -> None:
    # Python accepts offsets up to ±23:59, PostgreSQL only ±15:59: the instant is kept.
    body = {
        "characteristic": char.pk,
        "measurements": [10.0],
        "timestamp": "2026-11-23T20:00:00+17:21",
    }
    response = api_client.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    stored = Sample.objects.get(characteristic=char)
    assert stored.timestamp.isoformat() == "2026-11-23T02:39:00+00:00"
    listed = api_client.get(URL, {"start": "2026-11-23T19:00:00+17:21", "characteristic": char.pk})
    assert listed.status_code == 200
    assert [s["id"] for s in listed.json()["results"]] == [stored.pk]
    violations = api_client.get("/api/v1/violations/", {"start": "2840-06-05 02:18:00+17:21"})
    assert violations.status_code == 200
    assert violations.json()["results"] == []
