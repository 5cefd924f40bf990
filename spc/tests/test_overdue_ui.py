"""The due/overdue sampling badge on dashboard cards and the characteristic page, and the
overdue fragments the live consumer sends (``spc.live.sampling``)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from spc.live.fragments import LiveView
from spc.live.sampling import render_sampling_overdue, sampling_badge
from spc.models import Characteristic
from spc.tests.factories import CharacteristicFactory, SampleFactory

pytestmark = pytest.mark.django_db


def _scheduled(
    name: str, minutes_ago: float, interval: int | None = 10, **kwargs: Any
) -> Characteristic:
    """A characteristic sampled every ``interval`` minutes (None: no schedule) whose
    newest sample is ``minutes_ago`` old."""
    char: Characteristic = CharacteristicFactory(
        name=name, sampling_interval_minutes=interval, **kwargs
    )
    SampleFactory(characteristic=char, timestamp=timezone.now() - timedelta(minutes=minutes_ago))
    return char


def _sampling(html: str, badge_id: str) -> tuple[str, str, bool]:
    """State, label and hidden flag of the sampling badge ``badge_id`` in a page."""
    tag = re.search(rf'<span id="{badge_id}"[^>]*>([^<]*)</span>', html)
    assert tag, f"no sampling badge {badge_id}"
    state = re.search(r'data-sampling="(\w*)"', tag.group(0)).group(1)
    return state, tag.group(1), " hidden" in tag.group(0)


def test_dashboard_cards_show_due_and_overdue_and_hide_the_rest(client, operator):
    ok = _scheduled("On time", 2)
    due = _scheduled("Due now", 11)
    overdue = _scheduled("Late", 30)
    unscheduled = _scheduled("Free", 30, None, hierarchy=ok.hierarchy)
    for char in (due, overdue):
        char.hierarchy = ok.hierarchy
        char.save(update_fields=["hierarchy"])
    client.force_login(operator)
    html = client.get(f"/nodes/{ok.hierarchy_id}/").content.decode()
    assert _sampling(html, f"card-sampling-{due.pk}") == ("DUE", "Due", False)
    assert _sampling(html, f"card-sampling-{overdue.pk}") == ("OVERDUE", "Overdue", False)
    assert _sampling(html, f"card-sampling-{ok.pk}") == ("", "", True)
    assert _sampling(html, f"card-sampling-{unscheduled.pk}") == ("", "", True)


def test_the_schedule_of_all_cards_costs_one_query(client, operator):
    first = _scheduled("c0", 30, None)
    others = [_scheduled(f"c{i}", 30, None, hierarchy=first.hierarchy) for i in range(1, 60)]
    ids = [first.pk, *(c.pk for c in others)]
    client.force_login(operator)
    url = f"/nodes/{first.hierarchy_id}/"
    client.get(url)  # warm the card cache and the session
    with CaptureQueriesContext(connection) as unscheduled:
        client.get(url)
    Characteristic.objects.filter(pk__in=ids).update(sampling_interval_minutes=60)
    with CaptureQueriesContext(connection) as on_time:
        html = client.get(url).content.decode()
    assert html.count('data-sampling=""') == 60
    assert len(on_time) == len(unscheduled) + 1
    # Late cards are rendered afresh, so their newest samples (one query) and sparklines
    # (one query per 50) are read too.
    Characteristic.objects.filter(pk__in=ids).update(sampling_interval_minutes=5)
    with CaptureQueriesContext(connection) as late:
        html = client.get(url).content.decode()
    assert html.count('data-sampling="OVERDUE"') == 60
    assert len(late) == len(unscheduled) + 1 + 1 + 2


def test_a_card_cached_while_on_time_shows_overdue_once_late(client, operator):
    char = _scheduled("Bore", 20)
    Characteristic.objects.filter(pk=char.pk).update(sampling_interval_minutes=60)
    client.force_login(operator)
    url = f"/nodes/{char.hierarchy_id}/"
    assert _sampling(client.get(url).content.decode(), f"card-sampling-{char.pk}")[0] == ""
    # Same newest sample, same age label: only the schedule changed.
    Characteristic.objects.filter(pk=char.pk).update(sampling_interval_minutes=5)
    assert _sampling(client.get(url).content.decode(), f"card-sampling-{char.pk}")[0] == "OVERDUE"
    Characteristic.objects.filter(pk=char.pk).update(sampling_interval_minutes=60)
    assert _sampling(client.get(url).content.decode(), f"card-sampling-{char.pk}")[0] == ""


def test_characteristic_page_header_shows_the_sampling_badge(client, operator):
    late = _scheduled("Late", 30)
    on_time = _scheduled("On time", 2)
    client.force_login(operator)
    html = client.get(f"/chars/{late.pk}/").content.decode()
    assert _sampling(html, f"char-sampling-{late.pk}") == ("OVERDUE", "Overdue", False)
    assert "Sampling overdue since" in html
    html = client.get(f"/chars/{on_time.pk}/").content.decode()
    assert _sampling(html, f"char-sampling-{on_time.pk}") == ("", "", True)


def _event(char_id: int, name: str) -> dict[str, Any]:
    return {
        "type": "sampling.overdue",
        "characteristic_id": char_id,
        "name": name,
        "node_id": 1,
        "state": "OVERDUE",
        "interval_minutes": 10,
        "last_sample_at": "2025-03-01T08:00:00+00:00",
        "due_at": "2025-03-01T08:10:00+00:00",
        "overdue_at": "2025-03-01T08:12:30+00:00",
    }


def test_overdue_fragments_depend_on_what_the_page_shows(settings):
    settings.TIME_ZONE = "UTC"
    event = _event(7, "Bore")
    dashboard = render_sampling_overdue(event, LiveView(node_id=1))
    chart = render_sampling_overdue(event, LiveView(char_id=7))
    other_chart = render_sampling_overdue(event, LiveView(char_id=8, area_id=1))
    assert 'id="card-sampling-7"' in dashboard
    assert "char-sampling" not in dashboard
    assert 'id="char-sampling-7"' in chart
    assert "card-sampling" not in chart
    assert "sampling-7" not in other_chart
    for html in (dashboard, chart, other_chart):
        assert 'id="toast-overdue-7-1740816750"' in html
        assert "Bore</a> is overdue for sampling since" in html
        assert '<time datetime="2025-03-01T08:12:30+00:00">08:12</time>' in html


def test_overdue_toast_escapes_the_characteristic_name():
    html = render_sampling_overdue(_event(7, "<b>Bore</b>"), LiveView(char_id=7))
    assert "<b>Bore</b>" not in html
    assert "&lt;b&gt;Bore&lt;/b&gt;" in html


def test_badge_context_accepts_a_status_or_an_event():
    assert sampling_badge(None)["label"] == ""
    assert sampling_badge({"state": "DUE", "due_at": None})["label"] == "Due"
    assert sampling_badge({"state": "OK"})["label"] == ""
