"""The violation lists under an alert flood: a paginated panel with its count, select-all,
no dialog for an empty selection, acknowledged rows leaving the open list, reasons by name."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from alerts.models import Violation
from alerts.tests.factories import ReasonCodeFactory, ViolationFactory
from spc.tests.factories import CharacteristicFactory, SampleFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def _row_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li class="violation" id="violation-(\d+)"', html)]


@pytest.fixture
def flood(db):
    char = CharacteristicFactory(name="Shaft OD")
    made = []
    for _ in range(23):  # 23 open episodes of one violation each
        v = ViolationFactory(sample=SampleFactory(characteristic=char), rule=1)
        Violation.objects.filter(pk=v.pk).update(episode=v.pk)
        made.append(v.pk)
    return {"char": char, "ids": made}


def test_the_chart_panel_shows_ten_episodes_a_page_with_the_open_count(client, operator, flood):
    client.force_login(operator)
    url = reverse("spc:violation-panel", args=[flood["char"].pk])
    html = client.get(url, **HTMX).content.decode()
    assert _row_ids(html) == sorted(flood["ids"], reverse=True)[:10]
    assert "Open violations <span" in html
    assert "(23)" in html
    assert "Page 1 of 3" in html
    last = client.get(f"{url}?page=3", **HTMX).content.decode()
    assert _row_ids(last) == sorted(flood["ids"], reverse=True)[20:]
    assert "Page 3 of 3" in last


def test_the_chart_page_includes_the_first_panel_page(client, operator, flood):
    client.force_login(operator)
    html = client.get(reverse("spc:characteristic", args=[flood["char"].pk])).content.decode()
    assert len(_row_ids(html)) == 10
    assert "(23)" in html


def test_violation_list_offers_select_all_and_starts_with_acknowledge_disabled(
    client, operator, flood
):
    client.force_login(operator)
    html = client.get("/violations/").content.decode()
    assert "data-select-all" in html
    button = re.search(r"<button[^>]*data-ack-selected[^>]*>", html).group(0)
    assert "disabled" in button
    assert "Select violations to acknowledge." in html
    assert "js/violations.js" in html
    assert "data-open-list" in html


def test_acknowledging_nothing_is_refused_with_a_message(client, operator, flood):
    client.force_login(operator)
    reason = ReasonCodeFactory()
    response = client.post(reverse("spc:alerts:acknowledge"), {"reason_code": reason.code}, **HTMX)
    assert "alert-critical" in response.content.decode()
    assert not Violation.objects.filter(acknowledged_at__isnull=False).exists()


def test_acknowledged_violations_leave_the_open_list_and_show_the_reason_description(
    client, operator, flood
):
    client.force_login(operator)
    reason = ReasonCodeFactory(code="TOOL_WEAR", description="Worn cutting insert replaced")
    chosen = flood["ids"][:2]
    response = client.post(
        reverse("spc:alerts:acknowledge"),
        {"violation_ids": chosen, "reason_code": reason.code},
        **HTMX,
    )
    body = response.content.decode()
    assert "Worn cutting insert replaced" in body
    assert "TOOL_WEAR" not in body
    open_ids = _row_ids(client.get("/violations/?page=1").content.decode())
    assert not set(chosen) & set(open_ids)
    done = client.get("/violations/?status=acknowledged").content.decode()
    assert set(_row_ids(done)) == set(chosen)
    assert "Worn cutting insert replaced" in done
    assert "data-open-list" not in done
