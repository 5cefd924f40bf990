"""The Hotelling T² group page in a real browser (issue 20): the boiler group's phase I
chart and table (Mason & Young 2002 data; T² as published by qcc), then a new observation
posted over REST reaches the open page live: a chart point, a table row and the signal
naming its top contributors. Screenshots at tablet (1024 × 768) and desktop (1440 × 900)
go to test-results/screenshots/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser_support import CHROMIUM, PASSWORD, Screen, require_chromium, serve

pytestmark = pytest.mark.browser

SIZES = {"tablet": {"width": 1024, "height": 768}, "desktop": {"width": 1440, "height": 900}}
NEW_TIME = "2026-11-02T10:10:00+00:00"  # ten minutes after the last baseline row


def seed() -> None:
    """An operator with an API token and the boiler group with its phase I limits."""
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    from hierarchy.models import SiteGrant
    from hierarchy.roles import OPERATOR, assign_role
    from multivariate.services import calculate_limits
    from multivariate.tests.factories import group_of, store_rows
    from spc.tests.test_hotelling import BOILER

    user = User.objects.create_user("olga", password=PASSWORD)
    assign_role(user, OPERATOR)
    SiteGrant.objects.create(user=user, node=None)
    token = Token.objects.create(user=user)
    group = group_of([f"Temp {i}" for i in range(1, 9)], name="Boiler temperatures", alpha=0.001)
    store_rows(group, BOILER)
    calculate_limits(group)
    chars = [c.pk for c in group.member_list()]
    print("SEED" + json.dumps({"group": group.pk, "chars": chars, "token": token.key}))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_chromium()
    yield from serve(tmp_path_factory.mktemp("mv"), seeder="tests.test_browser_multivariate")


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield instance
        instance.close()


def _api(screen: Screen, server: dict[str, Any], method: str, path: str, body: Any = None) -> Any:
    headers = {"Authorization": f"Token {server['ids']['token']}"}
    request = screen.context.request
    if method == "GET":
        response = request.get(f"{server['url']}{path}", headers=headers)
    else:
        response = request.post(f"{server['url']}{path}", headers=headers, data=body)
    assert response.ok, response.text()
    return response.json()


def test_the_group_page_shows_the_stored_points_and_a_live_signal(
    browser: Any, server: dict[str, Any]
) -> None:
    gid = server["ids"]["group"]
    screen = Screen(browser, server, "olga", viewport=SIZES["tablet"])
    page = screen.open(f"/multivariate/{gid}/")
    page.wait_for_selector(f"#t2-chart-{gid} .main-svg")
    screen.wait_live()
    stored = _api(screen, server, "GET", f"/api/v1/multivariate/groups/{gid}/points/")
    rows = page.locator(f"#t2-rows-{gid} tr")
    assert rows.count() == len(stored) == 25
    newest = stored[-1]
    assert f"{newest['t2']:.3f}" in rows.nth(0).inner_text()  # 5.317 (qcc: 5.316986)
    assert "UCL 70.029" in page.inner_text("#t2-limits")  # phase II F limit at α = 0.001
    signal = next(p for p in stored if p["signal"])
    assert f"{signal['t2']:.3f}" == "17.575"  # observation 9 above the phase I UCL 17.417
    assert "17.575" in page.inner_text(f"#t2-signal-{gid}")
    screen.shot("multivariate_group_tablet")

    boiler_row = [520, 514, 538, 516, 504, 517, 480, 479]
    boiler_row[2] += 40  # Temp 3 far off: a signal naming it
    items = [
        {"characteristic": cid, "measurements": [value], "timestamp": NEW_TIME}
        for cid, value in zip(server["ids"]["chars"], boiler_row, strict=True)
    ]
    _api(screen, server, "POST", "/api/v1/samples/", items)
    page.wait_for_selector(f"#t2-rows-{gid} tr:nth-child(26)", state="attached")
    live = _api(screen, server, "GET", f"/api/v1/multivariate/groups/{gid}/points/")[-1]
    assert live["signal"]
    assert live["top_contributors"][0] == "Temp 3"
    first = rows.nth(0).inner_text()
    assert f"{live['t2']:.3f}" in first
    assert "Temp 3" in first
    assert "Temp 3" in page.inner_text(f"#t2-signal-{gid}")
    assert page.evaluate(f"document.getElementById('t2-chart-{gid}').data[0].y.length") == 26
    screen.shot("multivariate_group_live_tablet")
    screen.close()

    desktop = Screen(browser, server, "olga", viewport=SIZES["desktop"])
    page = desktop.open(f"/multivariate/{gid}/")
    page.wait_for_selector(f"#t2-chart-{gid} .main-svg")
    assert page.locator(f"#t2-rows-{gid} tr").count() == 26
    desktop.shot("multivariate_group_desktop")
    desktop.open("/multivariate/")
    assert "Boiler temperatures" in page.inner_text("#group-list")
    desktop.shot("multivariate_index_desktop")
    desktop.close()
