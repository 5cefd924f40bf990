"""Fixtures of the notification tests: a characteristic with limits and a violation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from alerts.models import Delivery, NotificationRule, Violation, WebhookEndpoint
from alerts.tests.receivers import SmtpServer
from spc.models import Characteristic
from spc.pipeline.processing import SubgroupInput, process
from spc.tests.factories import CharacteristicFactory

SECRET = "s3cret-shared-with-the-receiver"


@pytest.fixture
def char() -> Characteristic:
    return CharacteristicFactory.create(
        name="Shaft OD", unit="mm", center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0
    )


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpServer]:
    server = SmtpServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.SITE_URL = "https://spc.example.com"
    yield server
    server.stop()


def next_try(delivery: Delivery) -> datetime:
    """When a delivery's next try is due (it must have one)."""
    delivery.refresh_from_db()
    assert delivery.next_attempt_at is not None
    return delivery.next_attempt_at


def make_rule(char: Characteristic, url: str = "", **extra: Any) -> NotificationRule:
    """A rule on the characteristic's site (its line's grandparent) with a webhook."""
    webhook = WebhookEndpoint.objects.create(name="mes", url=url, secret=SECRET) if url else None
    site = char.hierarchy.parent
    assert site is not None
    return NotificationRule.objects.create(name="Quality team", node=site, webhook=webhook, **extra)


def raise_violation(char: Characteristic, capture: Any, value: float = 20.0) -> Violation:
    """Store a sample beyond the UCL through the pipeline, running the post-commit work."""
    with capture(execute=True):
        result = process(SubgroupInput(char.pk, (value,), source="REST"))
    [beyond] = [v for v in result.violations if v.rule == 1]
    return beyond
