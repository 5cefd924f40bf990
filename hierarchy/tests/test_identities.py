"""API identities kept between requests: no query for a known token, and every change to
the token, its user, their role or their sites counts from the next request on."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from hierarchy.models import ApiToken, SiteGrant
from hierarchy.roles import ENGINEER, OPERATOR, assign_role
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def keyed(operator: User) -> tuple[APIClient, ApiToken]:
    token, key = ApiToken.issue(operator, "MES")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client, token


def _queries(run: Any) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        run()
    return [q["sql"] for q in queries.captured_queries]


def test_a_known_token_costs_no_query_for_its_user_role_or_sites(
    keyed: tuple[APIClient, ApiToken],
) -> None:
    client, _ = keyed
    char = CharacteristicFactory()
    url = f"/api/v1/characteristics/{char.pk}/"
    first = _queries(lambda: client.get(url))
    assert any("hierarchy_apitoken" in sql for sql in first)
    again = _queries(lambda: client.get(url))
    for table in ("hierarchy_apitoken", "auth_group", "hierarchy_sitegrant"):
        assert not any(table in sql for sql in again), table
    assert client.get(url).status_code == 200


def test_a_revoked_token_is_refused_on_the_next_request(
    keyed: tuple[APIClient, ApiToken],
) -> None:
    client, token = keyed
    assert client.get("/api/v1/characteristics/").status_code == 200
    token.revoke()
    assert client.get("/api/v1/characteristics/").status_code == 401


def test_a_deactivated_user_is_refused_on_the_next_request(
    keyed: tuple[APIClient, ApiToken], operator: User
) -> None:
    client, _ = keyed
    assert client.get("/api/v1/characteristics/").status_code == 200
    operator.is_active = False
    operator.save()
    assert client.get("/api/v1/characteristics/").status_code == 401


def test_a_new_role_counts_on_the_next_request(
    keyed: tuple[APIClient, ApiToken], operator: User
) -> None:
    client, _ = keyed
    char = CharacteristicFactory()
    url = f"/api/v1/characteristics/{char.pk}/"
    assert client.patch(url, {"description": "x"}, format="json").status_code == 403
    assign_role(operator, ENGINEER)
    assert client.patch(url, {"description": "x"}, format="json").status_code == 200
    assign_role(operator, OPERATOR)
    assert client.patch(url, {"description": "y"}, format="json").status_code == 403


def test_a_withdrawn_site_grant_hides_the_site_on_the_next_request(
    keyed: tuple[APIClient, ApiToken], operator: User
) -> None:
    client, _ = keyed
    char = CharacteristicFactory()
    url = f"/api/v1/characteristics/{char.pk}/chart-data/"
    assert client.get(url).status_code == 200
    SiteGrant.objects.filter(user=operator).delete()
    elsewhere = CharacteristicFactory()  # on a line of another site
    other_site = elsewhere.hierarchy.parent.parent
    SiteGrant.objects.create(user=operator, node=other_site)
    assert client.get(url).status_code == 404
    assert client.get(f"/api/v1/characteristics/{elsewhere.pk}/chart-data/").status_code == 200
