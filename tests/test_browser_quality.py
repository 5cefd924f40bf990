"""Quality records in a real browser (issue 23): an operator annotates a chart and opens a
corrective action from a violation; an engineer corrects a mistyped point, signed, and the
chart marks it and drops the violation it raised. Screenshots at tablet (1024×768) and
desktop width go to test-results/screenshots/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.browser_support import CHROMIUM, PASSWORD, Screen, require_chromium, serve

pytestmark = pytest.mark.browser

TABLET = {"width": 1024, "height": 768}
DESKTOP = {"width": 1440, "height": 900}
WAIT_MS = 15000
VALUES = (10.2, 9.7, 10.5, 9.9, 10.1, 9.6, 10.4, 21.0, 9.8, 10.3)  # point 8: a typo of 12.0?


def seed() -> None:
    """One I-MR characteristic with a point beyond 3σ (rule 1), an operator and an engineer;
    prints the ids as JSON (run in the server's environment through ``manage.py shell``)."""
    from django.contrib.auth.models import User

    from alerts.models import ReasonCode
    from hierarchy.models import Level, Node, SiteGrant
    from hierarchy.roles import ENGINEER, OPERATOR, assign_role
    from spc.models import Characteristic, Sample
    from spc.pipeline.processing import SubgroupInput, process

    for name, role in (("olga", ENGINEER), ("ivan", OPERATOR)):
        user = User.objects.create_user(name, password=PASSWORD)
        assign_role(user, role)
        SiteGrant.objects.create(user=user, node=None)
    ReasonCode.objects.create(code="tool-wear", description="Tool wear", category="MACHINE")
    plant = Node.objects.create(name="Acme", code="acme", level=Level.ENTERPRISE)
    site = Node.objects.create(name="Plant 1", code="p1", level=Level.SITE, parent=plant)
    area = Node.objects.create(name="Machining", code="m1", level=Level.AREA, parent=site)
    line = Node.objects.create(name="Line 1", code="l1", level=Level.LINE, parent=area)
    char = Characteristic.objects.create(
        hierarchy=line, name="Bore", unit="mm", decimal_places=2, chart_type="I_MR",
        center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0,
    )  # fmt: skip
    for value in VALUES:
        process(SubgroupInput(characteristic_id=char.pk, measurements=(value,)))
    samples = list(
        Sample.objects.filter(characteristic=char).order_by("id").values_list("id", flat=True)
    )
    print("SEED" + json.dumps({"char": char.pk, "samples": samples}))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_chromium()
    yield from serve(
        tmp_path_factory.mktemp("browser-quality"), seeder="tests.test_browser_quality"
    )


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield instance
        instance.close()


def _layout_texts(page: Any, char_id: int) -> list[str]:
    """The texts of the chart's layout annotations as Plotly drew them."""
    page.wait_for_selector(f"#chart-{char_id}[data-ready=true]", timeout=WAIT_MS)
    return list(
        page.evaluate(
            f"() => (document.getElementById('chart-{char_id}').layout.annotations || [])"
            ".map(a => a.text)"
        )
    )


def _tomorrow(days: int = 1) -> str:
    from datetime import date

    return (date.today() + timedelta(days=days)).isoformat()


@pytest.mark.parametrize(("size", "viewport"), [("tablet", TABLET), ("desktop", DESKTOP)])
def test_an_operator_annotates_the_chart_and_opens_a_corrective_action(
    browser: Any, server: dict[str, Any], size: str, viewport: dict[str, int]
) -> None:
    ids = server["ids"]
    char, third = ids["char"], ids["samples"][2]
    screen = Screen(browser, server, "ivan", viewport=viewport)
    page = screen.open(f"/chars/{char}/")
    page.wait_for_selector(f"#chart-{char}[data-ready=true]", timeout=WAIT_MS)
    page.select_option("#an-kind", "TOOL_CHANGE")
    page.fill("#an-text", f"Insert changed ({size})")
    page.fill("#an-sample", str(third))
    page.click("#annotate-form button[type=submit]")
    page.wait_for_url(f"**/chars/{char}/")
    assert f"Tool change: Insert changed ({size})" in _layout_texts(page, char)
    screen.shot(f"quality_annotated_chart_{size}")
    # a corrective action from the violation of point 8, first with a past due date
    page = screen.open("/violations/")
    page.locator("#results li.violation a.open-action").first.click()
    page.wait_for_selector("#action-form")
    page.fill("#id_title", f"Check the gauge ({size})")
    page.select_option("#id_owner", label="ivan")
    page.fill("#id_due_date", _tomorrow(-2))
    page.select_option("#id_cause", label="tool-wear — Tool wear")
    page.click("#action-form button[type=submit]")
    assert "The due date is in the past." in page.locator("#action-form").inner_text()
    screen.errors.clear()  # the refused form answered 400, as it should
    page.fill("#id_due_date", _tomorrow(7))
    page.click("#action-form button[type=submit]")
    page.wait_for_selector("#action-facts")
    assert "Open" in page.locator("#action-facts").inner_text()
    screen.shot(f"quality_action_{size}")
    page = screen.open("/violations/actions/")
    assert f"Check the gauge ({size})" in page.locator("#action-list").inner_text()
    assert "Tool wear" in page.locator("#action-pareto").inner_text()
    screen.shot(f"quality_actions_list_{size}")
    screen.close()


def test_an_engineer_corrects_a_point_signed_and_the_chart_marks_it(
    browser: Any, server: dict[str, Any]
) -> None:
    ids = server["ids"]
    char, eighth = ids["char"], ids["samples"][7]
    screen = Screen(browser, server, "olga", viewport=DESKTOP)
    page = screen.open(f"/samples/{eighth}/")
    page.click("#correct-point")
    page.wait_for_selector("#correct-form")
    page.fill("#id_measurements", "12.0")
    page.fill("#id_reason", "Typed 21.0 for 12.0")
    page.fill("#id_signature_password", "not my password")
    page.click("#correct-form button[type=submit]")
    assert "Wrong password" in page.locator("#correct-form").inner_text()
    screen.errors.clear()  # the refused signature answered 400, as it should
    page.fill("#id_signature_password", PASSWORD)
    page.click("#correct-form button[type=submit]")
    page.wait_for_url(f"**/chars/{char}/")
    assert "✎" in _layout_texts(page, char)
    panel = page.locator(f"#violation-rows-{char}").inner_text()
    assert "beyond 3σ" not in panel  # the rule-1 violation of the typo is superseded
    screen.shot("quality_corrected_chart_desktop")
    page.set_viewport_size(TABLET)
    page = screen.open(f"/samples/{eighth}/correct/")
    assert "Typed 21.0 for 12.0" in page.locator("#correction-history").inner_text()
    screen.shot("quality_correction_history_tablet")
    screen.close()
