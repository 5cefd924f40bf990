"""The operator UI in a real browser (Debian chromium driven by Playwright).

A daphne server runs in a subprocess on a free port against its own SQLite file, seeded by
``seed()`` below through ``manage.py shell``. pytest-django's live_server cannot serve
WebSockets, hence the subprocess. Most tests use the embedded default (in-memory channel
layer); the test of a sample processed by another process (as the ingest worker does) gets
its own server on the Redis channel layer and skips without Redis. Screenshots at tablet
size (1280×800) go to ``test-results/screenshots/``; every page is checked for console
errors.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import require_service
from tests.browser_support import (
    CHROMIUM,
    PASSWORD,
    Screen,
    manage,
    require_chromium,
    serve,
)

pytestmark = pytest.mark.browser

REDIS_TEST_URL = "redis://127.0.0.1:6379/11"
WAIT_MS = 10000


def seed() -> None:
    """Build the demo data of the browser tests and print the ids as JSON (run in the server's
    environment through ``manage.py shell``)."""
    from django.contrib.auth.models import User

    from alerts.models import ReasonCode
    from hierarchy.models import Level, Node, SiteGrant
    from hierarchy.roles import ENGINEER, OPERATOR, assign_role
    from spc.models import Characteristic
    from spc.pipeline.processing import SubgroupInput, process

    # olga excludes samples in one test, so she is an engineer; both see the whole plant.
    for name, role in (("olga", ENGINEER), ("ivan", OPERATOR)):
        user = User.objects.create_user(name, password=PASSWORD)
        assign_role(user, role)
        SiteGrant.objects.create(user=user, node=None)
    ReasonCode.objects.create(code="tool-wear", description="Tool wear", category="MACHINE")
    plant = Node.objects.create(name="Acme", code="acme", level=Level.ENTERPRISE)
    site = Node.objects.create(name="Plant 1", code="p1", level=Level.SITE, parent=plant)
    area = Node.objects.create(name="Machining", code="mach", level=Level.AREA, parent=site)
    ids: dict[str, int] = {"area": area.pk}
    for name in ("Bore", "Shaft", "Pin"):
        line = Node.objects.create(
            name=f"Line {name}", code=name.lower(), level=Level.LINE, parent=area
        )
        char = Characteristic.objects.create(
            hierarchy=line,
            name=name,
            unit="mm",
            decimal_places=2,
            chart_type="I_MR",
            center_line=10.0,
            ucl=13.0,
            lcl=7.0,
            sigma=1.0,
            secondary_center_line=1.128,
            secondary_ucl=3.686,
            secondary_lcl=0.0,
            usl=14.0,
            lsl=6.0,
        )
        for value in (10.2, 9.7, 10.5, 9.9, 10.1, 9.6, 10.4, 10.0, 9.8, 10.3):
            process(SubgroupInput(characteristic_id=char.pk, measurements=(value,)))
        ids[name] = char.pk
        ids[f"line_{name}"] = line.pk
    print("SEED" + json.dumps(ids))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The embedded default (in-memory channel layer), seeded, on a free port."""
    require_chromium()
    yield from serve(tmp_path_factory.mktemp("browser"))


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The same on the Redis channel layer, so another process's samples reach its pages."""
    require_chromium()
    require_service(6379, "Redis")
    yield from serve(tmp_path_factory.mktemp("browser-redis"), REDIS_TEST_URL)


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield instance
        instance.close()


def _trace_len(page: Any, chart_id: str, uid: str) -> int:
    return int(
        page.evaluate(
            "([id, uid]) => { const gd = document.getElementById(id);"
            " const t = gd.data.find(t => t.uid === uid); return t ? t.y.length : -1; }",
            [chart_id, uid],
        )
    )


def _spark_len(page: Any, char: int) -> int:
    points = page.get_attribute(f"#spark-{char} polyline", "points") or ""
    return len(points.split())


def _wait_trace_len(page: Any, chart_id: str, uid: str, length: int) -> None:
    page.wait_for_function(
        "([id, uid, n]) => { const gd = document.getElementById(id);"
        " if (!gd || !gd.data) return false;"
        " const t = gd.data.find(t => t.uid === uid); return t && t.y.length === n; }",
        arg=[chart_id, uid, length],
        timeout=WAIT_MS,
    )


def test_login_dashboard_and_chart_pages_render_without_errors(browser, server):
    ids = server["ids"]
    screen = Screen(browser, server, "olga")
    page = screen.open(f"/nodes/{ids['area']}/")
    assert page.locator(".card").count() == 3
    assert page.locator(f"#card-state-{ids['Bore']}").get_attribute("data-state") == "IN_CONTROL"
    screen.wait_live()
    screen.shot("dashboard")
    page = screen.open(f"/chars/{ids['Bore']}/")
    page.wait_for_selector(f"#chart-{ids['Bore']}[data-ready=true]")
    assert _trace_len(page, f"chart-{ids['Bore']}", "value") == 10
    assert page.locator(".breadcrumbs li").count() >= 5
    screen.shot("characteristic")
    page.click("[data-theme-toggle]")
    assert page.evaluate("document.documentElement.dataset.theme") in ("dark", "light")
    screen.shot("characteristic_toggled_theme")
    screen.close()


def test_entry_warns_out_of_spec_and_a_rule_1_sample_shows_live_with_a_toast(browser, server):
    ids = server["ids"]
    char = ids["Bore"]
    watcher = Screen(browser, server, "ivan")
    chart = watcher.open(f"/chars/{char}/")
    chart.wait_for_selector(f"#chart-{char}[data-ready=true]")
    watcher.wait_live()
    before = _trace_len(chart, f"chart-{char}", "value")

    operator = Screen(browser, server, "olga")
    entry = operator.open(f"/chars/{char}/entry/")
    box = entry.locator("input[data-measurement='0']")
    assert box.get_attribute("inputmode") == "decimal"
    assert entry.evaluate("el => el.getBoundingClientRect().height", box.element_handle()) >= 44
    box.fill("15.2")
    entry.wait_for_selector("#spec-warning .alert-warning")
    assert "above USL" in entry.inner_text("#spec-warning")
    assert "out-of-spec" in (box.get_attribute("class") or "")
    operator.shot("entry_out_of_spec_warning")

    box.fill("13.8")  # inside the spec, beyond the UCL: rule 1
    entry.click("#entry-form button[type=submit]")
    entry.wait_for_selector("#entry-result .alert-critical")
    assert "Rule 1" in entry.inner_text("#entry-result")
    operator.shot("entry_result_rule_1")

    _wait_trace_len(chart, f"chart-{char}", "value", before + 1)
    assert _trace_len(chart, f"chart-{char}", "viol_crit") >= 1
    chart.wait_for_selector("#toasts .toast[data-severity=CRITICAL]")
    assert chart.locator(f"#char-state-{char}").get_attribute("data-state") == "CRITICAL"
    chart.wait_for_selector(f"#violation-rows-{char} .violation[data-rule='1']")
    watcher.shot("chart_live_violation_and_toast")
    operator.close()
    watcher.close()


def test_acknowledging_in_one_browser_updates_another(browser, server):
    ids = server["ids"]
    char = ids["Shaft"]
    operator = Screen(browser, server, "olga")
    result = operator.open(f"/chars/{char}/entry/")
    result.fill("input[data-measurement='0']", "13.9")
    result.click("#entry-form button[type=submit]")
    result.wait_for_selector("#entry-result .alert-critical")

    lead = Screen(browser, server, "ivan", color_scheme="dark")
    board = lead.open(f"/nodes/{ids['area']}/")
    board.wait_for_selector(f"#card-state-{char}[data-state=CRITICAL]", state="attached")
    lead.wait_live()
    lead.shot("dashboard_dark_critical_card")

    page = operator.open(f"/chars/{char}/")
    page.wait_for_selector(f"#chart-{char}[data-ready=true]")
    operator.wait_live()
    row = page.locator(f"#violation-rows-{char} li.violation").first.get_attribute("id")
    page.click(f"#violation-rows-{char} [data-ack-one]")
    page.wait_for_selector("#ack-dialog[open]")
    page.select_option("#id_reason_code", "tool-wear")
    page.fill("#id_comment", "insert changed")
    operator.shot("acknowledge_modal")
    page.click("#ack-dialog button[type=submit]")
    page.wait_for_selector("#ack-dialog:not([open])", state="attached")
    # Acknowledged, it leaves the open violations at once (issue 27).
    page.wait_for_selector(f"#{row}", state="detached")

    board.wait_for_selector(f"#card-state-{char}[data-state=IN_CONTROL]", state="attached")
    lead.shot("dashboard_after_acknowledgement")
    operator.close()
    lead.close()


def test_clicking_a_point_opens_the_sample_and_excluding_redraws_it_hollow(browser, server):
    ids = server["ids"]
    char = ids["Pin"]
    screen = Screen(browser, server, "olga")
    page = screen.open(f"/chars/{char}/")
    page.wait_for_selector(f"#chart-{char}[data-ready=true]")
    screen.wait_live()
    index = page.evaluate(
        "id => document.getElementById(id).data.findIndex(t => t.uid === 'points')",
        f"chart-{char}",
    )
    point = page.locator(f"#chart-{char} .trace.scatter").nth(index).locator("path.point").first
    point.click(force=True)
    page.wait_for_selector("#sample-dialog[open]")
    assert "Sample #" in page.inner_text("#sample-detail")
    page.fill("#id_exclusion_reason", "gauge dropped")
    page.fill("#id_signature_password", PASSWORD)
    page.click("#sample-detail button.danger")
    page.wait_for_selector("#sample-detail .badge:text('Excluded')")
    _wait_trace_len(page, f"chart-{char}", "excluded", 1)
    screen.shot("sample_excluded")
    screen.close()


def test_a_page_that_lost_its_socket_catches_up_on_reconnect(browser, server):
    ids = server["ids"]
    char = ids["Bore"]
    watcher = Screen(browser, server, "ivan")
    chart = watcher.open(f"/chars/{char}/")
    chart.wait_for_selector(f"#chart-{char}[data-ready=true]")
    watcher.wait_live()
    before = _trace_len(chart, f"chart-{char}", "value")
    watcher.context.set_offline(True)
    chart.evaluate("window.OpenSPCLive.socket.close()")
    chart.wait_for_selector("#live-status[data-status=connecting]", state="attached")

    operator = Screen(browser, server, "olga")
    entry = operator.open(f"/chars/{char}/entry/")
    entry.fill("input[data-measurement='0']", "10.7")
    entry.click("#entry-form button[type=submit]")
    entry.wait_for_selector("#entry-result .alert-ok")
    assert _trace_len(chart, f"chart-{char}", "value") == before

    watcher.context.set_offline(False)
    watcher.wait_live()
    _wait_trace_len(chart, f"chart-{char}", "value", before + 1)
    # Chromium logs each refused connection attempt while offline; nothing else may appear.
    watcher.errors = [e for e in watcher.errors if "WebSocket connection to" not in e]
    operator.close()
    watcher.close()


def test_a_sample_processed_by_another_process_appears_without_reload(browser, redis_server):
    server = redis_server
    ids = server["ids"]
    char = ids["Pin"]
    lead = Screen(browser, server, "ivan")
    board = lead.open(f"/nodes/{ids['area']}/")
    lead.wait_live()
    spark_before = _spark_len(board, char)
    operator = Screen(browser, server, "olga")
    chart = operator.open(f"/chars/{char}/")
    chart.wait_for_selector(f"#chart-{char}[data-ready=true]")
    operator.wait_live()
    before = _trace_len(chart, f"chart-{char}", "value")
    code = (
        "from spc.pipeline.processing import SubgroupInput, process; "
        f"process(SubgroupInput(characteristic_id={char}, measurements=(16.5,), source='MQTT'))"
    )
    manage(server["env"], "shell", "-c", code)
    _wait_trace_len(chart, f"chart-{char}", "value", before + 1)
    board.wait_for_selector(f"#card-state-{char}[data-state=CRITICAL]", state="attached")
    assert "16.50" in board.inner_text(f"#card-{char}")
    # The sparkline kept its history and gained the new point.
    assert _spark_len(board, char) == spark_before + 1
    lead.shot("dashboard_red_from_another_process")
    operator.close()
    lead.close()
