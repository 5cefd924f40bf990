"""An alert flood in a real browser (Debian chromium, Playwright): a burst of 20 violations
over three characteristics leaves at most three toasts, one per characteristic, none over
the header's controls; /violations/ selects all on its page, refuses an empty selection and
drops acknowledged rows at once. Screenshots of both go to docs/img/.

Same server as ``test_browser_live`` (daphne in a subprocess on the embedded default, the
seed of that module); the burst is posted through the REST API from the page, so its events
start in the server's process as a machine's would.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser_support import CHROMIUM, Screen, require_chromium, serve

pytestmark = pytest.mark.browser

TABLET = {"width": 1024, "height": 768}
DESKTOP = {"width": 1440, "height": 900}
WAIT_MS = 15000
#: 20 samples far above UCL: rule 1 fires on each (the I-MR chart may add MR signals).
BURST = {"Bore": 9, "Shaft": 7, "Pin": 4}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_chromium()
    yield from serve(tmp_path_factory.mktemp("browser-alerts"))


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield instance
        instance.close()


def _watch_toast_count(page: Any) -> None:
    """Record the most toasts ever shown at once (after toasts.js has capped them)."""
    page.evaluate(
        "() => { window.maxToasts = 0; const region = document.getElementById('toasts');"
        " new MutationObserver(() => { window.maxToasts = Math.max(window.maxToasts,"
        " region.querySelectorAll('.toast').length); }).observe(region, {childList: true}); }"
    )


def _post_burst(page: Any, ids: dict[str, int], burst: dict[str, int]) -> None:
    items = [ids[name] for name, n in burst.items() for _ in range(n)]
    page.evaluate(
        "async (chars) => { const token = JSON.parse(document.body.getAttribute('hx-headers'))"
        "['X-CSRFToken']; await Promise.all(chars.map(c => fetch('/api/v1/samples/', {"
        " method: 'POST', credentials: 'same-origin', headers: {'Content-Type':"
        " 'application/json', 'X-CSRFToken': token}, body: JSON.stringify({characteristic: c,"
        " measurements: [20.0]})}))); }",
        items,
    )


def _overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def _assert_clear_of(page: Any, controls: str) -> None:
    boxes = [
        page.locator(controls).nth(i).bounding_box() for i in range(page.locator(controls).count())
    ]
    assert boxes, controls
    for i in range(page.locator("#toasts .toast").count()):
        toast = page.locator("#toasts .toast").nth(i).bounding_box()
        for box in boxes:
            if box is not None and toast is not None:
                assert not _overlaps(toast, box), (toast, box)


def _wait_for_violations(page: Any, burst: dict[str, int]) -> None:
    """Until each characteristic's summary counts at least its burst's rule 1 violations."""
    page.wait_for_function(
        "burst => { const shown = [...document.querySelectorAll('#toasts .toast')];"
        " return Object.entries(burst).every(([name, n]) => shown.some(t =>"
        " t.innerText.startsWith(name + ':') && parseInt(t.dataset.count, 10) >= n)); }",
        arg=burst,
        timeout=WAIT_MS,
    )


@pytest.mark.parametrize(("size", "viewport"), [("tablet", TABLET), ("desktop", DESKTOP)])
def test_a_20_violation_burst_shows_at_most_three_summaries_clear_of_the_header(
    browser, server, size, viewport
):
    ids = server["ids"]
    screen = Screen(browser, server, "ivan", viewport=viewport)
    page = screen.open(f"/nodes/{ids['area']}/")  # the area's dashboard: all three
    screen.wait_live()
    assert page.get_attribute("#toasts", "aria-live") == "polite"
    _watch_toast_count(page)
    _post_burst(page, ids, BURST)
    _wait_for_violations(page, BURST)
    assert page.evaluate("window.maxToasts") <= 3
    toasts = page.locator("#toasts .toast")
    assert toasts.count() == 3
    texts = [toasts.nth(i).inner_text() for i in range(3)]
    for name, n in BURST.items():  # one summary per characteristic, counting its violations
        summary = next(t for t in texts if t.startswith(f"{name}:"))
        assert int(summary.split(":")[1].split()[0]) >= n
    assert page.locator("#toasts [role]").count() == 0  # one polite region, no nested ones
    _assert_clear_of(page, "header.topbar a, header.topbar button")
    dismiss = page.locator("#toasts .toast [data-dismiss-toast]").first.bounding_box()
    assert dismiss is not None
    assert dismiss["width"] >= 44
    assert dismiss["height"] >= 44
    screen.shot(f"alerts_burst_dashboard_{size}", docs=True)
    # A chart page in a burst of its own characteristic: one summary, its panel one page.
    page = screen.open(f"/chars/{ids['Shaft']}/")
    page.wait_for_selector(f"#chart-{ids['Shaft']}[data-ready=true]")
    screen.wait_live()
    _watch_toast_count(page)
    _post_burst(page, ids, {"Shaft": 12})
    _wait_for_violations(page, {"Shaft": 12})
    assert page.evaluate("window.maxToasts") <= 3
    _assert_clear_of(page, "header.topbar a, header.topbar button")
    rows = page.locator(f"#violation-rows-{ids['Shaft']} li.violation").count()
    assert 0 < rows <= 10  # the first page keeps its size as episodes arrive live
    count = page.locator(f"#violations-{ids['Shaft']} [data-open-count]").inner_text()
    assert int(count.strip("()")) >= rows
    screen.shot(f"alerts_burst_chart_{size}", docs=True)
    screen.close()


def test_violations_page_selects_all_refuses_empty_selection_and_drops_acknowledged_rows(
    browser, server
):
    screen = Screen(browser, server, "ivan", viewport=TABLET)
    page = screen.open("/violations/")
    rows = page.locator("#results li.violation")
    assert rows.count() > 0
    button = page.locator("#results [data-ack-selected]")
    assert button.is_disabled()
    assert page.locator("#results [data-ack-hint]").is_visible()
    _assert_clear_of(page, "form.filters button[type=submit]")  # no toast over Filter
    screen.shot("violations_tablet", docs=True)
    page.locator("#results [data-select-all]").check()
    shown = rows.count()
    assert page.locator("#results input[name=violation_ids]:checked").count() == shown
    assert button.is_enabled()
    assert f"({shown})" in button.inner_text()
    page.locator("#results [data-select-all]").uncheck()
    assert button.is_disabled()
    first = rows.first.get_attribute("id")
    rows.first.locator("input[name=violation_ids]").check()
    button.click()
    page.wait_for_selector("#ack-dialog[open]")
    page.select_option("#id_reason_code", "tool-wear")
    page.click("#ack-dialog button[type=submit]")
    page.wait_for_selector(f"#{first}", state="detached", timeout=WAIT_MS)
    assert not page.locator("#ack-dialog").evaluate("d => d.open")
    page = screen.open("/violations/?status=acknowledged")
    assert "Tool wear" in page.locator("#results").inner_text()
    screen.close()
