"""The notification delivery log in a real browser (Debian chromium): a webhook that
answered 500 then 200, one whose receiver is down, and e-mails, as an engineer sees them
at tablet and desktop size. Screenshots go to test-results/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser_support import CHROMIUM, Screen, require_chromium, serve

pytestmark = pytest.mark.browser

TABLET = {"width": 1024, "height": 768}
DESKTOP = {"width": 1440, "height": 900}


def seed() -> None:
    """The live tests' plant, two rules and their deliveries (run by ``manage.py shell``)."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from alerts.models import NotificationRule, WebhookEndpoint
    from alerts.notifications import tasks
    from alerts.tests.receivers import WebhookReceiver, free_port
    from hierarchy.models import Node
    from spc.models import Characteristic
    from spc.pipeline.processing import SubgroupInput, process
    from tests.test_browser_live import seed as seed_plant

    seed_plant()  # prints the ids
    receiver = WebhookReceiver([500, 200])
    mes = WebhookEndpoint.objects.create(name="MES", url=receiver.url, secret="s3cret")
    down = WebhookEndpoint.objects.create(
        name="Andon board", url=f"http://127.0.0.1:{free_port()}/hook", secret="s3cret"
    )
    site = Node.objects.get(code="p1")
    NotificationRule.objects.create(
        name="Quality team",
        node=site,
        rules=[1],
        email_recipients="qa@example.com",
        webhook=mes,
    )
    NotificationRule.objects.create(
        name="Shaft line andon",
        rules=[1],
        node=Node.objects.get(code="shaft"),
        webhook=down,
        escalation_after_minutes=30,
        escalation_recipients="plant.manager@example.com",
    )
    for name in ("Bore", "Shaft"):
        char = Characteristic.objects.get(name=name)
        process(SubgroupInput(characteristic_id=char.pk, measurements=(20.0,)))
    with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=False):
        tasks.retry_due()
    receiver.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_chromium()
    yield from serve(
        tmp_path_factory.mktemp("browser-notify"), seeder="tests.test_browser_notifications"
    )


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield instance
        instance.close()


@pytest.mark.parametrize(("size", "viewport"), [("tablet", TABLET), ("desktop", DESKTOP)])
def test_the_delivery_log_shows_each_try(browser, server, size, viewport):
    screen = Screen(browser, server, "olga", viewport=viewport)
    page = screen.open("/violations/deliveries/")
    rows = page.locator("#delivery-log tbody tr")
    # Bore: e-mail and MES webhook (500, then 200); Shaft: those and the andon webhook (down).
    assert rows.count() == 5
    assert page.locator("#delivery-log .badge", has_text="Delivered").count() == 4
    assert page.locator("#delivery-log .badge", has_text="Retrying").count() == 1
    andon = rows.filter(has_text="Shaft line andon")
    andon.locator("summary").click()
    assert "Connection refused" in andon.inner_text()
    mes = rows.filter(has_text="Bore").filter(has_text="Webhook")
    mes.locator("summary").click()
    text = mes.inner_text()
    assert "HTTP 500" in text
    assert "HTTP 200" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screen.shot(f"notification_deliveries_{size}")
    page.select_option("#f-status", "RETRYING")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**status=RETRYING**")
    assert page.locator("#delivery-log tbody tr").count() == 1
    screen.close()
