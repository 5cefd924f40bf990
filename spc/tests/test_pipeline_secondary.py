"""Rule 1 on the secondary pane through the write path (issue 26, point 9): a Thread depth
subgroup with R = 0.19 against UCL_R = 0.1356 raises rule 101, stored, episoded, listed,
acknowledged and published like any other violation; R exactly on UCL_R raises nothing."""

from __future__ import annotations

import math

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from alerts.models import ReasonCode, Violation
from spc.core.types import SECONDARY_BEYOND_LIMITS
from spc.models import Characteristic
from spc.pipeline.processing import SubgroupInput, process
from spc.pipeline.windows import windows
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db

WIDE_R = (0.0, 0.19, 0.07, 0.05, 0.04)  # R = 0.19, x-bar = 0.07
ON_UCL_R = (0.0, 0.1356, 0.05, 0.07, 0.1)  # R = 0.1356 exactly, x-bar = 0.07112
R_TEXT = "R beyond its control limits"


@pytest.fixture
def thread_depth() -> Characteristic:
    """X̄-R, n = 5: x̄ limits 0.07 ± 0.04, R limits 0 .. 0.0641 .. 0.1356."""
    windows.clear()
    return CharacteristicFactory.create(
        name="Thread depth",
        chart_type="XBAR_R",
        subgroup_size=5,
        min_measurements=2,
        center_line=0.07,
        ucl=0.11,
        lcl=0.03,
        sigma=0.04 / 3 * math.sqrt(5),
        secondary_center_line=0.0641,
        secondary_ucl=0.1356,
        secondary_lcl=0.0,
    )


def test_the_rest_response_carries_the_secondary_violation(
    api_client: APIClient, thread_depth: Characteristic
) -> None:
    body = {"characteristic": thread_depth.pk, "measurements": list(WIDE_R)}
    response = api_client.post("/api/v1/samples/", body, format="json")
    assert response.status_code == 201
    sample = response.json()
    assert sample["range"] == pytest.approx(0.19)
    assert [(v["rule"], v["severity"], v["rule_name"]) for v in sample["violations"]] == [
        (SECONDARY_BEYOND_LIMITS, "CRITICAL", R_TEXT)
    ]


def test_a_range_exactly_on_ucl_r_raises_nothing(thread_depth: Characteristic) -> None:
    result = process(SubgroupInput(thread_depth.pk, ON_UCL_R))
    assert result.sample.range == 0.1356
    assert result.violations == []


def test_stored_episoded_published_listed_and_acknowledged_like_any_other(
    api_client: APIClient, thread_depth: Characteristic, operator: User
) -> None:
    first = process(SubgroupInput(thread_depth.pk, WIDE_R))
    second = process(SubgroupInput(thread_depth.pk, WIDE_R))
    (a,), (b,) = first.violations, second.violations
    assert (a.rule, b.rule) == (SECONDARY_BEYOND_LIMITS, SECONDARY_BEYOND_LIMITS)
    assert a.episode == b.episode == a.pk  # one sustained problem, one episode
    (event_violation,) = second.event["violations"]
    assert event_violation["rule"] == SECONDARY_BEYOND_LIMITS
    assert event_violation["rule_name"] == R_TEXT
    assert second.event["open_violations"]["CRITICAL"] == 2

    listed = api_client.get(f"/api/v1/violations/?rule={SECONDARY_BEYOND_LIMITS}").json()
    assert [v["id"] for v in listed["results"]] == [b.pk, a.pk]
    assert {v["rule_name"] for v in listed["results"]} == {R_TEXT}

    ReasonCode.objects.create(code="tool-wear", description="Tool wear")
    response = api_client.post(
        f"/api/v1/violations/{a.pk}/acknowledge/", {"reason_code": "tool-wear"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert sorted(response.json()["acknowledged"]) == [a.pk, b.pk]
    assert not Violation.objects.unacknowledged().exists()
    assert Violation.objects.get(pk=b.pk).acknowledged_by == operator


def test_the_violations_page_filters_by_the_secondary_rule(
    client: Client, operator: User, thread_depth: Characteristic
) -> None:
    process(SubgroupInput(thread_depth.pk, WIDE_R))
    client.force_login(operator)
    page = client.get(f"/violations/?status=open&rule={SECONDARY_BEYOND_LIMITS}")
    assert page.status_code == 200
    assert R_TEXT in page.content.decode()
