"""The characteristic admin and the audit trail in a real browser (issue 27's smaller
things): the changelist fits a 1280 px screen, choosing a rule preset updates the grid at
once, and the pages are photographed at 1280×800 and tablet 1024×768 for docs/img/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser_support import CHROMIUM, PASSWORD, Screen, require_chromium, serve

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 1024, "height": 768}
NAMES = ("Bore diameter", "Shaft outer diameter", "Press-fit force", "Flange flatness")


def seed() -> None:
    """An admin, a plant with characteristics of long names, and a signed rule change in
    the audit trail (run in the server's environment through ``manage.py shell``)."""
    from django.contrib.auth.models import User

    from audit.models import AuditEntry
    from audit.signatures import RULE_CHANGE, sign
    from audit.trail import acting_as, signed_by
    from hierarchy.models import Level, Node, SiteGrant
    from hierarchy.roles import ADMIN, assign_role
    from spc.models import Characteristic, default_rules

    user = User.objects.create_user("ada", password=PASSWORD, is_staff=True, is_superuser=True)
    assign_role(user, ADMIN)
    SiteGrant.objects.create(user=user, node=None)
    plant = Node.objects.create(name="Acme Drivetrain", code="acme", level=Level.ENTERPRISE)
    site = Node.objects.create(name="Plant Regensburg", code="rgb", level=Level.SITE, parent=plant)
    area = Node.objects.create(name="Machining Hall 2", code="m2", level=Level.AREA, parent=site)
    ids: dict[str, int] = {}
    for number, name in enumerate(NAMES, start=1):
        line = Node.objects.create(
            name=f"Gearbox housing line {number}", code=f"l{number}", level=Level.LINE, parent=area
        )
        char = Characteristic.objects.create(
            hierarchy=line, name=name, unit="mm", chart_type="XBAR_R", subgroup_size=5
        )
        ids.setdefault("char", char.pk)
        ids["line"] = line.pk
    char = Characteristic.objects.get(pk=ids["char"])
    with (
        acting_as(user),
        signed_by("Western Electric as agreed with QA", sign(user, PASSWORD, RULE_CHANGE)),
    ):
        rules = default_rules()
        rules["2"]["length"] = 8
        char.rules = rules
        char.save()
    assert AuditEntry.objects.filter(reason__startswith="Western").exists()
    print("SEED" + json.dumps(ids))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_chromium()
    yield from serve(tmp_path_factory.mktemp("browser-admin"), seeder="tests.test_browser_admin")


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield instance
        instance.close()


def _fits(page: Any, selector: str) -> tuple[float, float, int]:
    """Right edge of the table ``selector``, the page's scroll width and the viewport width;
    asserts that no scrolling container cuts the table off (the admin wraps it in one)."""
    box = page.locator(selector).bounding_box()
    assert box is not None
    clipped = page.evaluate(
        """(sel) => { let el = document.querySelector(sel).parentElement;
           for (; el && el !== document.body; el = el.parentElement) {
             if (getComputedStyle(el).overflowX !== "visible"
                 && el.scrollWidth > el.clientWidth + 1) {
               return `${el.className || el.tagName} (${el.scrollWidth} > ${el.clientWidth})`; } }
           return null; }""",
        selector,
    )
    assert clipped is None, f"{selector} is cut off by a scrolling {clipped}"
    scroll = page.evaluate("document.documentElement.scrollWidth")
    return box["x"] + box["width"], scroll, page.viewport_size["width"]


def test_cards_show_no_empty_pill(browser, server):
    screen = Screen(browser, server, "ada", viewport=DESKTOP)
    page = screen.open(f"/nodes/{server['ids']['line']}/")
    page.wait_for_selector(".card")
    pills = page.locator(".card .badge")
    assert pills.count() >= 2, "a state badge and a (hidden) sampling badge per card"
    shown = [text.strip() for text in page.locator(".card .badge:visible").all_inner_texts()]
    assert shown, "the state badge shows"
    assert all(shown), f"an empty pill is shown: {shown}"
    assert page.locator(".card .sampling-badge").first.is_hidden()
    screen.close()


@pytest.mark.parametrize(("size", "label"), [(DESKTOP, "1280"), (TABLET, "1024")])
def test_the_characteristic_list_fits_the_screen(browser, server, size, label):
    screen = Screen(browser, server, "ada", viewport=size)
    page = screen.open("/admin/spc/characteristic/")
    page.wait_for_selector("#result_list")
    right, scroll, width = _fits(page, "#result_list")
    assert right <= width, f"the table ends at {right:.0f} px on a {width} px screen"
    assert scroll <= width, f"the page scrolls sideways ({scroll} px on {width} px)"
    screen.shot(f"admin-characteristic-list-{label}", docs=True)
    screen.close()


@pytest.mark.parametrize(("size", "label"), [(DESKTOP, "1280"), (TABLET, "1024")])
def test_choosing_a_preset_updates_the_rule_grid_before_save(browser, server, size, label):
    screen = Screen(browser, server, "ada", viewport=size)
    page = screen.open(f"/admin/spc/characteristic/{server['ids']['char']}/change/")
    assert page.locator("#id_rule_1_length").count() == 0, "rule 1 has no run length"
    assert page.input_value("#id_rule_2_length") == "8"
    page.fill("#id_rule_2_length", "")
    page.select_option("#id_rule_preset", "WESTERN_ELECTRIC")
    assert page.input_value("#id_rule_2_length") == "8"
    enabled = [page.is_checked(f"#id_rule_{i}_enabled") for i in range(1, 9)]
    assert enabled == [True, True, False, False, True, True, False, False]
    page.select_option("#id_rule_preset", "NELSON")
    assert page.input_value("#id_rule_2_length") == ""
    assert all(page.is_checked(f"#id_rule_{i}_enabled") for i in range(1, 9))
    page.select_option("#id_rule_preset", "WESTERN_ELECTRIC")
    page.locator("#id_change_reason").scroll_into_view_if_needed()
    screen.shot(f"admin-characteristic-change-{label}", docs=True)
    screen.close()


@pytest.mark.parametrize(("size", "label"), [(DESKTOP, "1280"), (TABLET, "1024")])
def test_the_audit_trail_reads_old_to_new(browser, server, size, label):
    screen = Screen(browser, server, "ada", viewport=size)
    page = screen.open("/audit/")
    rows = page.locator("#audit-entries .changes li").all_inner_texts()
    assert "Rule 2: 9 in a row → 8 in a row" in rows
    assert page.locator("#audit-entries td", has_text="Approval of run rules").count() >= 1
    time_text = page.locator("#audit-entries tbody tr td").first.inner_text()
    assert time_text.endswith(" UTC"), time_text
    right, scroll, width = _fits(page, "#audit-entries")
    assert right <= width, f"the table ends at {right:.0f} px on a {width} px screen"
    assert scroll <= width, f"the page scrolls sideways ({scroll} px on {width} px)"
    screen.shot(f"audit-trail-{label}", docs=True)
    screen.close()
