"""REST: groups, their T² points, calculate-limits (400 with field details), permissions.

Expected limits: Mason & Young (2002) boiler data as published by qcc (see test_services)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from multivariate.tests.factories import group_of, store_rows
from spc.tests.test_hotelling import BOILER, BOILER_T2

pytestmark = pytest.mark.django_db
GROUPS = "/api/v1/multivariate/groups/"


@pytest.fixture
def staff(engineer) -> APIClient:
    client = APIClient()
    client.force_authenticate(engineer)
    return client


@pytest.fixture
def boiler():
    group = group_of([f"t{i}" for i in range(1, 9)], alpha=0.001, phase=1)
    store_rows(group, BOILER)
    return group


def test_calculate_limits_answers_the_published_limits_and_stores_the_points(staff, boiler):
    response = staff.post(f"{GROUPS}{boiler.pk}/calculate-limits/", {}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["phase_one_ucl"] == pytest.approx(17.41705, abs=1e-5)
    assert body["phase_two_ucl"] == pytest.approx(70.02943, abs=1e-5)
    assert body["ucl"] == pytest.approx(17.41705, abs=1e-5)  # the group is in phase I
    assert body["baseline_count"] == 25
    assert body["signals"] == 1
    points = staff.get(f"{GROUPS}{boiler.pk}/points/").json()
    assert [p["t2"] for p in points] == pytest.approx(BOILER_T2, abs=1e-5)
    only = staff.get(f"{GROUPS}{boiler.pk}/points/?signal=true").json()
    assert len(only) == 1
    assert only[0]["t2"] == pytest.approx(17.575293, abs=1e-5)
    assert len(only[0]["top_contributors"]) == 2


def test_groups_are_listed_with_members_and_limits(api_client, staff, boiler):
    staff.post(f"{GROUPS}{boiler.pk}/calculate-limits/", {"last_n": 25}, format="json")
    listed = api_client.get(GROUPS).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [g["name"] for g in rows] == [boiler.name]
    detail = api_client.get(f"{GROUPS}{boiler.pk}/").json()
    assert [m["name"] for m in detail["members"]] == [f"t{i}" for i in range(1, 9)]
    assert len(detail["mean"]) == 8
    assert detail["mean"][0] == pytest.approx(525.0)


def test_operators_may_not_calculate_limits(api_client, boiler):
    response = api_client.post(f"{GROUPS}{boiler.pk}/calculate-limits/", {}, format="json")
    assert response.status_code == 403


def test_a_singular_covariance_is_a_400_on_baseline(staff):
    group = group_of(["a", "b", "a+b"])
    store_rows(group, [[a, b, a + b] for a, b in [(1, 2), (2, 1), (3, 5), (4, 4), (5, 7)]])
    response = staff.post(f"{GROUPS}{group.pk}/calculate-limits/", {}, format="json")
    assert response.status_code == 400
    assert "collinear" in response.json()["baseline"][0]


def test_missing_members_leave_too_few_complete_observations_a_400_with_the_count(staff):
    group = group_of(["a", "b"])
    store_rows(group, [[1, 2], [2, None], [None, 3], [3, 1], [4, None]])
    response = staff.post(f"{GROUPS}{group.pk}/calculate-limits/", {}, format="json")
    assert response.status_code == 400
    message = response.json()["baseline"][0]
    assert "2 complete and 3 incomplete" in message


def test_bad_baseline_fields_are_400_with_their_names(staff, boiler):
    url = f"{GROUPS}{boiler.pk}/calculate-limits/"
    assert "last_n" in staff.post(url, {"last_n": 0}, format="json").json()
    body = {"start": "2026-11-03T00:00:00Z", "end": "2026-11-01T00:00:00Z"}
    assert "end" in staff.post(url, body, format="json").json()


def test_a_group_outside_the_users_sites_is_not_found(boiler, client):
    from conftest import persona
    from hierarchy.models import SiteGrant
    from hierarchy.roles import OPERATOR
    from hierarchy.tests.factories import NodeFactory

    user = persona("outsider", "outsider-pass-1", OPERATOR)
    SiteGrant.objects.filter(user=user).update(node=NodeFactory(parent=NodeFactory()))
    other = APIClient()
    other.force_authenticate(user)
    assert other.get(f"{GROUPS}{boiler.pk}/").status_code == 404


def test_calculating_limits_leaves_an_audit_entry_with_the_new_ucl(staff, boiler):
    from audit.models import AuditEntry

    before = AuditEntry.objects.count()
    staff.post(f"{GROUPS}{boiler.pk}/calculate-limits/", {}, format="json")
    entries = list(AuditEntry.objects.order_by("id")[before:])
    assert entries
    change = entries[-1]
    assert change.action == "CHANGE"
    assert change.new["ucl"] == pytest.approx(17.41705, abs=1e-5)
