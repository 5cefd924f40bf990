"""The sample entry form in a real browser (issue 27): the first value has the focus, an
implausible value ("1e3") is refused with the limit named, an out-of-spec value asks for a
confirmation, is then stored and appears on the out-of-spec list reached from the
violations page. Screenshots of the confirmation at tablet and desktop size go to docs/img/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser_support import CHROMIUM, PASSWORD, Screen, require_chromium, serve

pytestmark = pytest.mark.browser

SIZES = {"tablet": {"width": 1024, "height": 768}, "desktop": {"width": 1440, "height": 900}}
SUBMIT = "#entry-form button[type=submit]"
LIMIT_TEXT = "1000 N·m is above the plausible maximum 200 N·m for Torque"


def seed() -> None:
    """An operator who sees the whole plant and a torque characteristic with spec 40 … 60
    and plausible limits 0 … 200 N·m (run in the server's environment)."""
    from django.contrib.auth.models import User

    from hierarchy.models import SiteGrant
    from hierarchy.roles import OPERATOR, assign_role
    from spc.tests.factories import CharacteristicFactory

    user = User.objects.create_user("olga", password=PASSWORD)
    assign_role(user, OPERATOR)
    SiteGrant.objects.create(user=user, node=None)
    torque = CharacteristicFactory.create(
        name="Torque",
        unit="N·m",
        decimal_places=1,
        lsl=40.0,
        usl=60.0,
        target=50.0,
        plausible_low=0.0,
        plausible_high=200.0,
    )
    print("SEED" + json.dumps({"torque": torque.pk}))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_chromium()
    yield from serve(tmp_path_factory.mktemp("entry"), seeder="tests.test_browser_entry")


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield instance
        instance.close()


def _ask_for_confirmation(page: Any, value: str) -> None:
    page.fill("#id_m0", value)
    page.wait_for_selector("#spec-warning input[name=confirm_out_of_spec]")


def test_implausible_value_refused_then_out_of_spec_value_confirmed_stored_and_listed(
    browser: Any, server: dict[str, Any]
) -> None:
    screen = Screen(browser, server, "olga", viewport=SIZES["tablet"])
    page = screen.open(f"/chars/{server['ids']['torque']}/entry/")
    assert page.evaluate("document.activeElement.id") == "id_m0"
    page.keyboard.type("1e3")
    page.wait_for_selector("#spec-warning [data-implausible]")
    assert LIMIT_TEXT in page.inner_text("#spec-warning")
    page.click(SUBMIT)
    page.wait_for_selector("#entry-result .alert-critical")
    assert "Not stored" in page.inner_text("#entry-result")
    assert LIMIT_TEXT in page.inner_text("#entry-result")

    _ask_for_confirmation(page, "65")
    assert "above USL 60.0" in page.inner_text("#spec-warning")
    page.click(SUBMIT)
    page.wait_for_selector("#entry-result :text('confirm that it is real')")
    screen.shot("entry_out_of_spec_tablet", docs=True)
    page.check("#spec-warning input[name=confirm_out_of_spec]")
    page.click(SUBMIT)
    stored = page.wait_for_selector("#entry-result [data-sample-id]")
    sample_id = stored.get_attribute("data-sample-id")
    assert "Out of spec, confirmed by olga" in page.inner_text("#entry-result")

    page = screen.open("/violations/")
    page.click("text=Out-of-spec samples")
    row = page.wait_for_selector(f"#out-of-spec-list tr[data-sample-id='{sample_id}']")
    assert "olga" in row.inner_text()
    assert "65.0" in row.inner_text()
    screen.shot("out_of_spec_list")
    screen.close()


def test_screenshot_of_the_out_of_spec_confirmation_on_the_desktop(
    browser: Any, server: dict[str, Any]
) -> None:
    screen = Screen(browser, server, "olga", viewport=SIZES["desktop"])
    page = screen.open(f"/chars/{server['ids']['torque']}/entry/")
    _ask_for_confirmation(page, "38.5")
    assert "below LSL 40.0" in page.inner_text("#spec-warning")
    screen.shot("entry_out_of_spec_desktop", docs=True)
    screen.close()
