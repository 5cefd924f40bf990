"""Limits and exclusion over REST: the rolling window follows exclusions and limit changes,
recalculation with and without out-of-control points, edits recorded in the history.

Expected limits are worked by hand from Montgomery's individuals chart (7th ed. section
6.4: sigma = MR-bar / d2, d2 = 1.128 for n = 2), not read from the code under test.
"""

from __future__ import annotations

import math
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
    # 13.5 is beyond the new UCL 10.5 + 3/1.128 = 13.16.
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


# --- issue 26: attribute limits at the sample size, Phase I review, superseding ----------
# u chart left at n = 1, 40 samples of 4 units with 239 defects: u-bar = 239/160, and
# UCL = u-bar + 3 sqrt(u-bar / 4) = 3.33 (the right value; 5.16 was n = 1).
U_COUNTS = [5, 5, 7, 4, 6, 8, 5, 6, 7, 6] + [6, 5, 7, 4, 6, 8, 5, 6, 7, 6] * 3


def test_attribute_limits_are_stated_at_the_baselines_sample_size(
    staff: APIClient, api_client: APIClient
) -> None:
    char = CharacteristicFactory.create(chart_type="U", subgroup_size=1)
    for count in U_COUNTS:
        body = {"characteristic": char.pk, "defects": count, "sample_size": 4}
        assert api_client.post(SAMPLES, body, format="json").status_code == 201
    url = f"{CHARS}{char.pk}/recalculate-limits/"
    body = staff.post(url, {"dry_run": True}, format="json").json()
    u = 239 / 160
    assert body["center_line"] == pytest.approx(u)
    assert body["ucl"] == pytest.approx(u + 3 * math.sqrt(u / 4))
    assert body["ucl"] == pytest.approx(3.33, abs=0.005)
    assert (body["sample_size_basis"], body["summary_sample_size"]) == ("AVERAGE", 4.0)
    assert (body["phase_one_samples"], body["evaluate_baseline"]) == (40, True)
    assert (body["baseline_violations"], body["superseded_violations"]) == (None, 0)


def test_a_p_chart_at_its_nominal_n_says_nominal(staff: APIClient, api_client: APIClient) -> None:
    # 20 samples of 100 with 74 defectives: p-bar 0.037, UCL 0.037 + 3 sqrt(0.037 0.963/100).
    char = CharacteristicFactory.create(chart_type="P", subgroup_size=100, min_measurements=1)
    for count in [4, 3, 5, 2, 4, 3, 6, 4, 2, 3, 5, 4, 3, 4, 2, 5, 4, 3, 4, 4]:
        body = {"characteristic": char.pk, "defectives": count, "sample_size": 100}
        assert api_client.post(SAMPLES, body, format="json").status_code == 201
    body = staff.post(
        f"{CHARS}{char.pk}/recalculate-limits/", {"dry_run": True}, format="json"
    ).json()
    assert body["ucl"] == pytest.approx(0.037 + 3 * math.sqrt(0.037 * 0.963 / 100))
    assert (body["sample_size_basis"], body["summary_sample_size"]) == ("NOMINAL", 100.0)


def test_storing_first_limits_reports_the_baseline_evaluation_then_superseding(
    staff: APIClient, phase_one: tuple[Characteristic, list[int]]
) -> None:
    # All 21 points against 10.952 +/- 3 * 1.241: the 20 (index 20) is beyond (rule 1) and
    # its moving range of 9 beyond 3.267 * 1.4 (rule 101); fourteen alternating make rule 4
    # fire on indices 13-19 (7; the rise into the 20 follows a rise) and fifteen within
    # 1 sigma (|z| <= 0.77) rule 7 on 14-19 (6).
    char, _ = phase_one
    url = f"{CHARS}{char.pk}/recalculate-limits/"
    body = staff.post(url, {"last_n": 21, **SIGNED}, format="json").json()
    assert body["stored"] is True
    assert (body["phase_one_samples"], body["evaluate_baseline"]) == (21, True)
    assert body["baseline_violations"] == 1 + 1 + 7 + 6
    assert body["superseded_violations"] == 0
    preview = staff.post(url, {"last_n": 20, "dry_run": True}, format="json").json()
    assert preview["superseded_violations"] == 15
    assert (preview["phase_one_samples"], preview["evaluate_baseline"]) == (0, False)
    again = staff.post(url, {"last_n": 20, **SIGNED, "reason": "tool change"}, format="json")
    assert again.json()["superseded_violations"] == 15
    assert again.json()["baseline_violations"] is None


def test_the_baseline_evaluation_can_be_declined(
    staff: APIClient, phase_one: tuple[Characteristic, list[int]]
) -> None:
    char, _ = phase_one
    body = staff.post(
        f"{CHARS}{char.pk}/recalculate-limits/",
        {"last_n": 21, "evaluate_baseline": False, **SIGNED},
        format="json",
    ).json()
    assert (body["evaluate_baseline"], body["baseline_violations"]) == (False, None)
