"""Violation list with filters and the acknowledge action (user = the logged-in user)."""

from __future__ import annotations

import pytest

from alerts.models import Violation
from alerts.tests.factories import ReasonCodeFactory, ViolationFactory
from spc.tests.factories import CharacteristicFactory, SampleFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def violations(db):
    char = CharacteristicFactory(name="Bore")
    other = CharacteristicFactory(name="Shaft")
    crit = ViolationFactory(sample=SampleFactory(characteristic=char), rule=1)
    warn = ViolationFactory(sample=SampleFactory(characteristic=char), rule=2, severity="WARNING")
    elsewhere = ViolationFactory(sample=SampleFactory(characteristic=other), rule=1)
    for v in (crit, warn, elsewhere):
        Violation.objects.filter(pk=v.pk).update(episode=v.pk)
    return {"char": char, "crit": crit, "warn": warn, "elsewhere": elsewhere}


def _row_ids(html: str) -> set[int]:
    import re

    return {int(i) for i in re.findall(r'<li class="violation" id="violation-(\d+)"', html)}


def test_list_shows_open_violations_by_default(client, operator, violations):
    client.force_login(operator)
    html = client.get("/violations/").content.decode()
    ids = {v.pk for k, v in violations.items() if k != "char"}
    assert _row_ids(html) == ids


def test_list_filters_by_characteristic_rule_and_severity(client, operator, violations):
    client.force_login(operator)
    char = violations["char"].pk
    html = client.get(f"/violations/?characteristic={char}").content.decode()
    assert _row_ids(html) == {violations["crit"].pk, violations["warn"].pk}
    html = client.get("/violations/?rule=2").content.decode()
    assert _row_ids(html) == {violations["warn"].pk}
    html = client.get("/violations/?severity=CRITICAL", **HTMX).content.decode()
    assert "<html" not in html
    assert _row_ids(html) == {violations["crit"].pk, violations["elsewhere"].pk}


def test_acknowledge_records_the_logged_in_user_not_a_posted_name(client, operator, violations):
    reason = ReasonCodeFactory(code="tool-wear")
    client.force_login(operator)
    ids = [violations["crit"].pk, violations["warn"].pk]
    response = client.post(
        "/violations/acknowledge/",
        {
            "violation_ids": ids,
            "reason_code": "tool-wear",
            "comment": "changed insert",
            "acknowledged_by": "someone-else",
        },
        **HTMX,
    )
    assert response["HX-Trigger"] == "ack-done"
    html = response.content.decode()
    for pk in ids:
        assert f'id="violation-ack-{pk}" class="ack" hx-swap-oob="true"' in html
    for v in Violation.objects.filter(pk__in=ids):
        assert v.acknowledged_by == operator
        assert v.reason_code == reason
        assert v.comment == "changed insert"
    assert Violation.objects.get(pk=violations["elsewhere"].pk).acknowledged_at is None


def test_acknowledge_without_a_reason_says_so_and_changes_nothing(client, operator, violations):
    client.force_login(operator)
    response = client.post(
        "/violations/acknowledge/", {"violation_ids": [violations["crit"].pk]}, **HTMX
    )
    assert "HX-Trigger" not in response
    assert "Reason" in response.content.decode()
    assert Violation.objects.unacknowledged().count() == 3


def test_acknowledge_without_a_selection_asks_for_one(client, operator, violations):
    ReasonCodeFactory(code="tool-wear")
    client.force_login(operator)
    html = client.post(
        "/violations/acknowledge/", {"reason_code": "tool-wear"}, **HTMX
    ).content.decode()
    assert "Select at least one violation" in html


def test_acknowledged_filter_lists_who_acknowledged(client, operator, violations):
    ReasonCodeFactory(code="tool-wear")
    client.force_login(operator)
    client.post(
        "/violations/acknowledge/",
        {"violation_ids": [violations["crit"].pk], "reason_code": "tool-wear"},
        **HTMX,
    )
    html = client.get("/violations/?status=acknowledged").content.decode()
    assert _row_ids(html) == {violations["crit"].pk}
    assert f"by {operator.username}" in html
