"""Limits and exclusion over REST: the rolling window follows exclusions and limit changes,
recalculation with and without out-of-control points, edits recorded in the history.

Expected limits are worked by hand from Montgomery's individuals chart (7th ed. section
6.4: sigma = MR-bar / d2, d2 = 1.128 for n = 2), not read from the code under test.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from spc.models import Characteristic, LimitSet
from spc.pipeline.windows import windows
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db
SAMPLES = "/api/v1/samples/"
CHARS = "/api/v1/characteristics/"


@pytest.fixture(autouse=True)
def _fresh_windows() -> None:
    windows.clear()


@pytest.fixture
def staff(engineer: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(engineer)
    return client


def post(client: APIClient, char: Characteristic, value: float) -> dict[str, Any]:
    response = client.post(
        SAMPLES, {"characteristic": char.pk, "measurements": [value]}, format="json"
    )
    assert response.status_code == 201, response.content
    return dict(response.json())


SIGNED = {"reason": "first baseline", "signature_password": "engineer-pass-1"}


def fired(body: dict[str, Any]) -> set[int]:
    return {v["rule"] for v in body["violations"]}


def exclude(client: APIClient, sample_id: int, excluded: bool = True) -> None:
    body = {
        "is_excluded": excluded,
        "exclusion_reason": "gauge dropped" if excluded else "",
        "signature_password": "engineer-pass-1",
    }
    response = client.patch(f"{SAMPLES}{sample_id}/", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["is_excluded"] is excluded


def test_excluding_a_sample_rebuilds_the_window_so_the_run_restarts_counting(
    api_client: APIClient, staff: APIClient
) -> None:
    # Rule 2 (nine in a row on one side) completes on the ninth included point.
    char = CharacteristicFactory.create(center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)
    ids = [post(api_client, char, 10.5)["id"] for _ in range(8)]
    exclude(staff, ids[3])
    ninth = post(api_client, char, 10.5)
    assert 2 not in fired(ninth)  # only eight included points so far
    assert 2 in fired(post(api_client, char, 10.5))  # the ninth included one


def test_including_a_sample_again_puts_it_back_into_the_run(
    api_client: APIClient, staff: APIClient
) -> None:
    char = CharacteristicFactory.create(center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)
    ids = [post(api_client, char, 10.5)["id"] for _ in range(7)]
    exclude(staff, ids[0])
    assert 2 not in fired(post(api_client, char, 10.5))  # 7 included in a row
    exclude(staff, ids[0], excluded=False)
    assert 2 in fired(post(api_client, char, 10.5))  # 8 + the re-included one = 9


# Twenty alternating 10, 11 (MR 1 each) and then 20:
#   all 21 points: mean 230/21 = 10.952, MR-bar (19 + 9)/20 = 1.4, sigma 1.4/1.128;
#   without the 20 (beyond 10.952 + 3 * 1.241 = 14.68): mean 10.5, sigma 1/1.128.
BASELINE = [10.0, 11.0] * 10 + [20.0]


@pytest.fixture
def phase_one(api_client: APIClient) -> tuple[Characteristic, list[int]]:
    char = CharacteristicFactory.create()
    ids = [post(api_client, char, value)["id"] for value in BASELINE]
    return char, ids


def test_recalculation_keeping_out_of_control_points(
    staff: APIClient, phase_one: tuple[Characteristic, list[int]]
) -> None:
    char, _ = phase_one
    body = staff.post(
        f"{CHARS}{char.pk}/recalculate-limits/", {"last_n": 21, "dry_run": True}, format="json"
    ).json()
    assert body["center_line"] == pytest.approx(230 / 21)
    assert body["sigma"] == pytest.approx(1.4 / 1.128, rel=1e-3)
    assert body["ucl"] == pytest.approx(230 / 21 + 3 * 1.4 / 1.128, rel=1e-3)
    assert body["baseline_count"] == 21
    assert body["dropped_sample_ids"] == []
    assert body["stored"] is False
    char.refresh_from_db()
    assert char.center_line is None  # a preview stores nothing


def test_recalculation_dropping_out_of_control_points_then_judging_new_samples(
    staff: APIClient, api_client: APIClient, phase_one: tuple[Characteristic, list[int]]
) -> None:
    char, ids = phase_one
    response = staff.post(
        f"{CHARS}{char.pk}/recalculate-limits/",
        {"last_n": 21, "exclude_out_of_control": True, **SIGNED},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["center_line"] == pytest.approx(10.5)
    assert body["sigma"] == pytest.approx(1 / 1.128, rel=1e-3)
    assert body["dropped_sample_ids"] == [ids[-1]]
    assert body["stored"] is True
    history = LimitSet.objects.get(characteristic=char)
    assert history.exclude_out_of_control is True
    assert history.created_by is not None
    assert history.created_by.username == "ernst"
    # 13.5 is beyond the new UCL 10.5 + 3/1.128 = 13.16 (Phase I points raised nothing).
    assert 1 in fired(post(api_client, char, 13.5))


def test_a_hand_excluded_sample_is_not_in_the_baseline(
    staff: APIClient, phase_one: tuple[Characteristic, list[int]]
) -> None:
    char, ids = phase_one
    exclude(staff, ids[-1])
    body = staff.post(
        f"{CHARS}{char.pk}/recalculate-limits/", {"last_n": 30, "dry_run": True}, format="json"
    ).json()
    assert body["baseline_count"] == 20
    assert body["center_line"] == pytest.approx(10.5)


def test_recalculation_by_chosen_samples(
    staff: APIClient, phase_one: tuple[Characteristic, list[int]]
) -> None:
    char, ids = phase_one
    body = staff.post(
        f"{CHARS}{char.pk}/recalculate-limits/",
        {"sample_ids": ids[:4], "dry_run": True},
        format="json",
    ).json()
    assert body["baseline_count"] == 4
    assert body["center_line"] == pytest.approx(10.5)


def test_operators_may_not_recalculate(
    api_client: APIClient, phase_one: tuple[Characteristic, list[int]]
) -> None:
    char, _ = phase_one
    response = api_client.post(f"{CHARS}{char.pk}/recalculate-limits/", {}, format="json")
    assert response.status_code == 403


def test_limits_edited_through_the_api_are_in_the_history_and_judge_new_samples(
    staff: APIClient, api_client: APIClient
) -> None:
    char = CharacteristicFactory.create()
    post(api_client, char, 14.0)  # Phase I: nothing to judge against
    response = staff.patch(
        f"{CHARS}{char.pk}/",
        {"center_line": 10.0, "ucl": 13.0, "lcl": 7.0, "sigma": 1.0, **SIGNED},
        format="json",
    )
    assert response.status_code == 200, response.content
    history = LimitSet.objects.get(characteristic=char)
    assert (history.center_line, history.ucl, history.lcl) == (10.0, 13.0, 7.0)
    assert history.created_by is not None
    assert history.created_by.username == "ernst"
    assert fired(post(api_client, char, 14.0)) == {1}


def test_editing_other_fields_writes_no_history(staff: APIClient) -> None:
    char = CharacteristicFactory.create(center_line=10.0, ucl=13.0, lcl=7.0)
    response = staff.patch(f"{CHARS}{char.pk}/", {"description": "bore"}, format="json")
    assert response.status_code == 200, response.content
    assert not LimitSet.objects.exists()


def test_inverted_limits_are_a_400(staff: APIClient) -> None:
    char = CharacteristicFactory.create()
    response = staff.patch(f"{CHARS}{char.pk}/", {"ucl": 7.0, "lcl": 13.0}, format="json")
    assert response.status_code == 400
    assert response.json()
    char.refresh_from_db()
    assert char.ucl is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"{CHARS}999999/"),
        ("get", f"{CHARS}999999/chart-data/"),
        ("get", f"{CHARS}999999/capability/"),
        ("post", f"{CHARS}999999/recalculate-limits/"),
        ("patch", f"{SAMPLES}999999/"),
        ("get", f"{SAMPLES}999999/"),
    ],
)
def test_unknown_ids_are_404(staff: APIClient, method: str, path: str) -> None:
    response = staff.generic(method.upper(), path, "{}", content_type="application/json")
    assert response.status_code == 404
