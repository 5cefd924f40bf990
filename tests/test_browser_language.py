"""The pages in German in a real browser (issue 24): an operator switches the language in
the top bar, reads the plant tree, a line's dashboard and the entry form in German, types
``74,012`` and the sample is stored as 74.012 (the REST API gives it back as a JSON
number). The choice belongs to the account: a new browser session is German at once.
Screenshots at tablet and desktop size.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser_support import CHROMIUM, PASSWORD, Screen, require_chromium, serve

pytestmark = pytest.mark.browser

TABLET = {"width": 1024, "height": 768}
DESKTOP = {"width": 1440, "height": 900}


def seed() -> None:
    """An operator of the whole plant and a bore diameter (mm, 3 decimals) on Line 1."""
    from django.contrib.auth.models import User

    from hierarchy.models import SiteGrant
    from hierarchy.roles import OPERATOR, assign_role
    from hierarchy.tests.factories import NodeFactory
    from spc.tests.factories import CharacteristicFactory

    user = User.objects.create_user("olga", password=PASSWORD)
    assign_role(user, OPERATOR)
    SiteGrant.objects.create(user=user, node=None)
    site = NodeFactory(name="Werk Hamburg", parent=NodeFactory(name="Acme"))
    line = NodeFactory(name="Linie 1", parent=NodeFactory(name="Dreherei", parent=site))
    bore = CharacteristicFactory.create(
        hierarchy=line, name="Bohrung", unit="mm", decimal_places=3, lsl=73.9, usl=74.1
    )
    print("SEED" + json.dumps({"bore": bore.pk, "line": line.pk}))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_chromium()
    yield from serve(tmp_path_factory.mktemp("language"), seeder="tests.test_browser_language")


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield instance
        instance.close()


def test_switch_to_german_and_enter_a_decimal_comma(browser: Any, server: dict[str, Any]) -> None:
    ids = server["ids"]
    screen = Screen(browser, server, "olga", viewport=TABLET, locale="en-US")
    page = screen.page
    assert page.inner_text("h1") == "Plant"  # the browser asks for English
    page.click("button[name=language][value=de]")
    page.wait_for_selector("html[lang=de]")
    nav = page.inner_text("header.topbar nav")
    assert "Werk" in nav
    assert "Verletzungen" in nav
    assert page.get_attribute(".prefs-link", "title") == "Einstellungen"
    assert page.inner_text("h1") == "Werk"
    assert "schwerste offene Verletzung" in page.inner_text("main")
    screen.shot("language_de_tree_tablet")

    page = screen.open(f"/nodes/{ids['line']}/")
    main = page.inner_text("main")
    assert page.inner_text("h1") == "Linie 1 Linie"  # the level's name too
    assert "Keine aktuellen Daten" in main
    assert "Noch keine Stichproben" in main
    screen.shot("language_de_dashboard_tablet")

    page = screen.open(f"/chars/{ids['bore']}/entry/")
    assert page.inner_text("h1") == "Bohrung: Stichprobe erfassen"
    form = page.inner_text("#entry-form")
    assert "Werker" in form
    assert "Charge" in form
    assert page.inner_text("#entry-form button[type=submit]") == "Stichprobe speichern"
    assert "Geben Sie 1 Wert ein in mm." in page.inner_text("main")
    assert "Spezifikation: 73,9 … 74,1" in page.inner_text("main")  # numbers in German
    page.fill("#id_m0", "74,012")
    page.click("#entry-form button[type=submit]")
    stored = page.wait_for_selector("#entry-result [data-sample-id]")
    sample_id = stored.get_attribute("data-sample-id")
    result = page.inner_text("#entry-result")
    assert f"Stichprobe #{sample_id} gespeichert: 74,012 mm" in result
    assert "Keine Regel ausgelöst" in result
    screen.shot("language_de_entry_tablet", docs=True)

    answer = page.request.get(f"{server['url']}/api/v1/samples/{sample_id}/")
    assert answer.status == 200
    assert answer.json()["value"] == 74.012  # stored as the number, a JSON number
    assert screen.errors == []
    screen.close()


def test_the_language_follows_the_account_to_a_new_session(
    browser: Any, server: dict[str, Any]
) -> None:
    screen = Screen(browser, server, "olga", viewport=DESKTOP, locale="en-US")
    page = screen.open(f"/chars/{server['ids']['bore']}/entry/")
    assert page.get_attribute("html", "lang") == "de"
    assert page.inner_text("h1") == "Bohrung: Stichprobe erfassen"
    screen.shot("language_de_entry_desktop")
    page.click("button[name=language][value=es]")
    page.wait_for_selector("html[lang=es]")
    assert page.inner_text("h1") == "Bohrung: registrar una muestra"
    assert page.inner_text("#entry-form button[type=submit]") == "Guardar muestra"
    page.click("button[name=language][value=en]")
    page.wait_for_selector("html[lang=en]")
    assert screen.errors == []
    screen.close()
