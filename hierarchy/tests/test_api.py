"""Hierarchy API: listing, subtree filter, level rules as 400s, write rights."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from hierarchy.models import Node

pytestmark = pytest.mark.django_db
URL = "/api/v1/hierarchy/"


def test_requires_authentication(plant: dict[str, Node]) -> None:
    assert APIClient().get(URL).status_code == 401


def test_list_is_paginated_and_filters_by_subtree(
    api_client: APIClient, plant: dict[str, Node]
) -> None:
    body = api_client.get(URL).json()
    assert body["count"] == 6
    assert {"count", "next", "previous", "results"} <= body.keys()
    below_line = api_client.get(URL, {"subtree": plant["line"].pk}).json()
    assert [n["level"] for n in below_line["results"]] == ["LINE", "CELL", "EQUIPMENT"]
    assert api_client.get(URL, {"level": "SITE"}).json()["count"] == 1


def test_engineer_creates_a_node_and_wrong_level_is_a_400(
    engineer: User, plant: dict[str, Node]
) -> None:
    client = APIClient()
    client.force_authenticate(engineer)
    ok = client.post(
        URL, {"name": "Line 2", "code": "l2", "level": "LINE", "parent": plant["area"].pk}
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["path"].endswith(f"/{ok.json()['id']}/")
    bad = client.post(URL, {"name": "X", "code": "x", "level": "LINE", "parent": plant["site"].pk})
    assert bad.status_code == 400
    assert bad.json()  # field details, not an empty body


def test_operator_cannot_change_the_plant(api_client: APIClient, plant: dict[str, Node]) -> None:
    response = api_client.post(
        URL, {"name": "L", "code": "l", "level": "LINE", "parent": plant["area"].pk}
    )
    assert response.status_code == 403


def test_deleting_a_node_in_use_is_a_conflict(engineer: User, plant: dict[str, Node]) -> None:
    client = APIClient()
    client.force_authenticate(engineer)
    assert client.delete(f"{URL}{plant['area'].pk}/").status_code == 409


def test_engineer_renames_a_node(engineer: User, plant: dict[str, Node]) -> None:
    client = APIClient()
    client.force_authenticate(engineer)
    response = client.patch(f"{URL}{plant['line'].pk}/", {"name": "Line 1 (north)"})
    assert response.status_code == 200, response.content
    plant["line"].refresh_from_db()
    assert plant["line"].name == "Line 1 (north)"
