"""The group page, its table fragment, figure, CSV export, list page and admin action."""

from __future__ import annotations

import csv
import io

import pytest

from multivariate.services import calculate_limits
from multivariate.tests.factories import group_of, store_rows
from spc.tests.test_hotelling import BOILER, BOILER_T2

pytestmark = pytest.mark.django_db


@pytest.fixture
def boiler():
    group = group_of([f"t{i}" for i in range(1, 9)], alpha=0.001, phase=1)
    store_rows(group, BOILER)
    calculate_limits(group)
    return group


def test_the_group_page_shows_chart_limits_signal_and_recent_points(client, operator, boiler):
    client.force_login(operator)
    html = client.get(f"/multivariate/{boiler.pk}/").content.decode()
    assert f'id="t2-chart-{boiler.pk}"' in html
    assert 'data-live-url="/ws/multivariate/"' in html
    assert f'data-live-params="group={boiler.pk}"' in html
    assert "UCL 17.417" in html
    assert "17.575" in html  # the signal (observation 9)
    assert html.count('id="t2-row-') == 25


def test_the_table_fragment_is_a_partial(client, operator, boiler):
    client.force_login(operator)
    html = client.get(f"/multivariate/{boiler.pk}/points/", HTTP_HX_REQUEST="true").content.decode()
    assert f'id="t2-table-{boiler.pk}"' in html
    assert "<html" not in html


def test_the_figure_holds_every_point_and_the_ucl(client, operator, boiler):
    client.force_login(operator)
    figure = client.get(f"/multivariate/{boiler.pk}/figure/").json()
    traces = {t["uid"]: t for t in figure["data"]}
    assert traces["value"]["y"] == pytest.approx(BOILER_T2, abs=1e-5)
    assert traces["ucl"]["y"] == pytest.approx([17.41705] * 25, abs=1e-5)


def test_the_csv_export_has_one_row_per_point(client, operator, boiler):
    client.force_login(operator)
    response = client.get(f"/multivariate/{boiler.pk}/export.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [float(r["t_squared"]) for r in rows] == pytest.approx(BOILER_T2, abs=1e-5)
    assert float(rows[0]["value t1"]) == 507.0
    assert float(rows[0]["value t2"]) == 516.0
    assert rows[8]["signal"] == "True"


def test_the_list_page_links_each_group(client, operator, boiler):
    client.force_login(operator)
    html = client.get("/multivariate/").content.decode()
    assert f'href="/multivariate/{boiler.pk}/"' in html


def test_the_admin_action_reports_bad_input_as_a_message(client, engineer):
    group = group_of(["a", "b", "a+b"])
    store_rows(group, [[a, b, a + b] for a, b in [(1, 2), (2, 1), (3, 5), (4, 4), (5, 7)]])
    client.force_login(engineer)
    url = "/admin/multivariate/multivariategroup/"
    form = client.post(
        url, {"action": "calculate_phase_one_limits", "_selected_action": [group.pk]}
    )
    assert form.status_code == 200
    assert b"Newest complete observations" in form.content
    done = client.post(
        url,
        {"action": "calculate_phase_one_limits", "_selected_action": [group.pk], "apply": "1"},
        follow=True,
    )
    assert done.status_code == 200
    assert "collinear" in done.content.decode()


def test_the_admin_action_stores_limits_and_says_so(client, engineer):
    group = group_of([f"t{i}" for i in range(1, 9)], alpha=0.001, phase=1)
    store_rows(group, BOILER)
    client.force_login(engineer)
    done = client.post(
        "/admin/multivariate/multivariategroup/",
        {"action": "calculate_phase_one_limits", "_selected_action": [group.pk], "apply": "1"},
        follow=True,
    )
    assert "UCL 17.417 from 25 complete observations" in done.content.decode()
    group.refresh_from_db()
    assert group.ucl == pytest.approx(17.41705, abs=1e-5)


def test_the_admin_refuses_a_group_with_one_member(client, engineer):
    from spc.tests.factories import CharacteristicFactory

    char = CharacteristicFactory()
    client.force_login(engineer)
    response = client.post(
        "/admin/multivariate/multivariategroup/add/",
        {
            "name": "Solo",
            "hierarchy": char.hierarchy_id,
            "alpha": "0.0027",
            "phase": "2",
            "active": "on",
            "baseline": "{}",
            "members-TOTAL_FORMS": "1",
            "members-INITIAL_FORMS": "0",
            "members-0-characteristic": char.pk,
            "members-0-position": "0",
        },
    )
    assert response.status_code == 200
    assert "2 to 10 members" in response.content.decode()
