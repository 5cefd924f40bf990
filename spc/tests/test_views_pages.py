"""Plant tree, dashboard cards, characteristic page, figure JSON, sample detail, exclusion."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.tests.factories import ViolationFactory
from spc.models import Sample
from spc.pipeline.processing import SubgroupInput, process
from spc.tests.factories import CharacteristicFactory, SampleFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def char(db):
    """An individuals characteristic with limits 10 ± 3 and spec 6 … 14."""
    return CharacteristicFactory(
        name="Bore", center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0, usl=14.0, lsl=6.0
    )


def _process(char, *values: float):
    result = None
    for value in values:
        result = process(SubgroupInput(characteristic_id=char.pk, measurements=(value,)))
    return result


def _badge_state(html: str, badge_id: str) -> str:
    match = re.search(rf'id="{badge_id}" class="badge" data-state="(\w+)"', html)
    assert match, f"no badge {badge_id}"
    return match.group(1)


def test_pages_need_a_login(client, char):
    for url in ("/", f"/nodes/{char.hierarchy_id}/", f"/chars/{char.pk}/", "/violations/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_plant_tree_links_nodes_and_characteristics(client, operator, char):
    client.force_login(operator)
    html = client.get("/").content.decode()
    assert f'href="/nodes/{char.hierarchy_id}/"' in html
    assert f'href="/chars/{char.pk}/"' in html


def test_dashboard_card_is_red_with_an_open_critical_violation(client, operator, char):
    _process(char, 10.0, 20.0)
    client.force_login(operator)
    html = client.get(f"/nodes/{char.hierarchy.parent_id}/").content.decode()
    assert f'id="card-{char.pk}"' in html
    assert _badge_state(html, f"card-state-{char.pk}") == "CRITICAL"
    assert "20.000" in html


def test_dashboard_card_states_green_grey_yellow(client, operator, char):
    quiet = CharacteristicFactory(hierarchy=char.hierarchy, name="Quiet")
    stale = CharacteristicFactory(hierarchy=char.hierarchy, name="Stale")
    SampleFactory(characteristic=stale, timestamp=timezone.now() - timedelta(days=2))
    warned = CharacteristicFactory(hierarchy=char.hierarchy, name="Warned")
    ViolationFactory(sample=SampleFactory(characteristic=warned), rule=2, severity="WARNING")
    _process(char, 10.5)
    client.force_login(operator)
    html = client.get(f"/nodes/{char.hierarchy_id}/").content.decode()
    assert _badge_state(html, f"card-state-{char.pk}") == "IN_CONTROL"
    assert _badge_state(html, f"card-state-{quiet.pk}") == "NO_DATA"
    assert _badge_state(html, f"card-state-{stale.pk}") == "NO_DATA"
    assert _badge_state(html, f"card-state-{warned.pk}") == "WARNING"


def test_dashboard_sparkline_holds_the_last_thirty_values(client, operator, char):
    values = [10.0 + (i % 7) / 10 for i in range(35)]
    values[2] = 5.0  # an outlier older than the last thirty must not set the scale
    _process(char, *values)
    client.force_login(operator)
    html = client.get(f"/nodes/{char.hierarchy_id}/").content.decode()
    svg = re.search(rf'<svg id="spark-{char.pk}"[^>]*>\s*<polyline points="([^"]*)"', html)
    assert len(svg.group(1).split()) == 30
    tag = svg.group(0)
    assert float(re.search(r'data-low="([^"]*)"', tag).group(1)) == min(values[5:])
    assert float(re.search(r'data-high="([^"]*)"', tag).group(1)) == max(values[5:])


def test_dashboard_makes_the_node_the_operators_area(client, operator, char):
    client.force_login(operator)
    client.get(f"/nodes/{char.hierarchy_id}/")
    html = client.get(f"/chars/{char.pk}/").content.decode()
    assert f'data-live-params="char={char.pk}&amp;area={char.hierarchy_id}"' in html


def test_dashboard_of_a_large_node_uses_a_bounded_number_of_queries(
    client, operator, char, django_assert_max_num_queries
):
    for i in range(60):
        other = CharacteristicFactory(hierarchy=char.hierarchy, name=f"c{i}")
        SampleFactory(characteristic=other)
    client.force_login(operator)
    # 13 for the page (one reads the cards' newest samples by id), plus one each for the
    # user's role and sites and two for the navigation's permission check (constant per
    # request). No card has a sampling interval, so the schedule costs nothing
    # (spc/tests/test_overdue_ui.py counts it).
    with django_assert_max_num_queries(17):
        response = client.get(f"/nodes/{char.hierarchy_id}/")
    assert response.content.decode().count('class="card"') == 61


def test_characteristic_page_embeds_the_figure_and_breadcrumbs(client, operator, char):
    _process(char, 10.0, 11.0, 20.0)
    client.force_login(operator)
    html = client.get(f"/chars/{char.pk}/").content.decode()
    figure = json.loads(
        re.search(r'<script id="figure-\d+" type="application/json">(.*?)</script>', html).group(1)
    )
    values = next(t for t in figure["data"] if t["uid"] == "value")["y"]
    assert values == [10.0, 11.0, 20.0]
    crit = next(t for t in figure["data"] if t["uid"] == "viol_crit")
    assert len(crit["customdata"]) == 1
    assert 'aria-label="Breadcrumb"' in html
    assert char.hierarchy.name in html
    assert f'id="violations-{char.pk}"' in html
    assert _badge_state(html, f"char-state-{char.pk}") == "CRITICAL"


def test_time_range_htmx_request_returns_only_the_chart_section(client, operator, char):
    _process(char, 10.0)
    Sample.objects.update(timestamp=timezone.now() - timedelta(days=3))
    _process(char, 11.0)
    client.force_login(operator)
    response = client.get(f"/chars/{char.pk}/?range=24h&points=500", **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert html.strip().startswith('<section id="chart-section"')
    figure = json.loads(re.search(r'type="application/json">(.*?)</script>', html).group(1))
    assert next(t for t in figure["data"] if t["uid"] == "value")["y"] == [11.0]


def test_a_past_custom_range_is_not_live(client, operator, char):
    client.force_login(operator)
    html = client.get(
        f"/chars/{char.pk}/?range=custom&start=2026-01-01T00:00&end=2026-01-02T00:00"
    ).content.decode()
    assert 'data-live="false"' in html


def test_figure_json_matches_the_page(client, operator, char):
    _process(char, 9.0, 9.5)
    client.force_login(operator)
    figure = client.get(f"/chars/{char.pk}/figure/").json()
    assert next(t for t in figure["data"] if t["uid"] == "value")["y"] == [9.0, 9.5]


def test_sample_detail_shows_measurements_operator_batch_and_violations(client, operator, char):
    result = process(
        SubgroupInput(
            characteristic_id=char.pk, measurements=(20.0,), operator="Ana", batch_number="B-17"
        )
    )
    client.force_login(operator)
    html = client.get(f"/samples/{result.sample.pk}/", **HTMX).content.decode()
    assert "<html" not in html
    assert f'id="sample-{result.sample.pk}"' in html
    assert "Ana" in html
    assert "B-17" in html
    assert "20.000" in html
    assert "Rule 1" in html


def test_excluding_needs_a_reason_then_marks_the_sample(client, operator, engineer, char):
    sample = _process(char, 10.0).sample
    url = f"/samples/{sample.pk}/exclusion/"
    client.force_login(operator)
    body = {"excluded": "true", "reason": "gauge dropped", "signature_password": "operator-pass-1"}
    assert client.post(url, body, **HTMX).status_code == 403  # operators do not exclude
    client.force_login(engineer)
    refused = client.post(url, {"excluded": "true", "reason": ""}, **HTMX)
    assert "Say why" in refused.content.decode()
    sample.refresh_from_db()
    assert not sample.is_excluded

    unsigned = client.post(url, {"excluded": "true", "reason": "gauge dropped"}, **HTMX)
    assert "password" in unsigned.content.decode()
    wrong = {"excluded": "true", "reason": "gauge dropped", "signature_password": "guess"}
    assert "Wrong password" in client.post(url, wrong, **HTMX).content.decode()
    sample.refresh_from_db()
    assert not sample.is_excluded
    client.post(url, {**wrong, "signature_password": "engineer-pass-1"}, **HTMX)
    sample.refresh_from_db()
    assert sample.is_excluded
    assert sample.exclusion_reason == "gauge dropped"

    client.post(url, {"excluded": "false", "signature_password": "engineer-pass-1"}, **HTMX)
    sample.refresh_from_db()
    assert not sample.is_excluded


def test_violation_panel_shows_one_row_per_open_episode(client, operator, char):
    _process(char, 20.0, 21.0, 10.0, 22.0)
    client.force_login(operator)
    html = client.get(f"/chars/{char.pk}/violations/", **HTMX).content.decode()
    # 20 and 21 are one episode of rule 1 (consecutive), 22 starts another.
    assert html.count('data-rule="1"') == 2
    assert "2 points" in html


def test_unknown_characteristic_gets_the_helpful_404(client, operator, settings):
    settings.DEBUG = False
    client.force_login(operator)
    response = client.get("/chars/999999/")
    assert response.status_code == 404
    assert "Back to the plant" in response.content.decode()


def test_plotly_js_is_served_from_the_plotly_package(client):
    response = client.get("/assets/plotly.min.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript"
    assert b"plotly" in b"".join(response.streaming_content)[:2000].lower()
    assert "max-age" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("chart_type", "extra", "title"),
    [
        ("XBAR_S", {"subgroup_size": 3, "min_measurements": 3}, "S"),
        ("EWMA", {"target": 10.0}, "EWMA"),
        ("CUSUM", {"target": 10.0}, "CUSUM"),
        ("C", {"center_line": 4.0, "ucl": 10.0, "lcl": 0.0, "sigma": 2.0}, "c"),
    ],
)
def test_every_chart_type_renders_its_page_entry_and_figure(
    client, operator, chart_type, extra, title
):
    fields = {"center_line": 10.0, "ucl": 13.0, "lcl": 7.0, "sigma": 1.0, **extra}
    char = CharacteristicFactory(chart_type=chart_type, **fields)
    for value in (10.0, 11.0, 12.5):
        if chart_type == "C":
            data = SubgroupInput(characteristic_id=char.pk, count=float(int(value) - 6))
        else:
            data = SubgroupInput(
                characteristic_id=char.pk, measurements=(value,) * char.subgroup_size
            )
        process(data)
    client.force_login(operator)
    assert client.get(f"/chars/{char.pk}/").status_code == 200
    assert client.get(f"/chars/{char.pk}/entry/").status_code == 200
    figure = client.get(f"/chars/{char.pk}/figure/").json()
    layout = figure["layout"]
    axis_titles = [layout["yaxis"]["title"]["text"], layout.get("yaxis2", {}).get("title", {})]
    assert any(title in str(t) for t in axis_titles)
    assert len(next(t for t in figure["data"] if t["uid"] == "value")["y"]) == 3
