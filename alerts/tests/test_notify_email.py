"""E-mail notifications through a real SMTP server (aiosmtpd): recipients and content."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from alerts.models import Delivery
from alerts.notifications import tasks
from alerts.tests.notify_support import char, make_rule, next_try, raise_violation, smtp
from alerts.tests.receivers import free_port

pytestmark = pytest.mark.django_db
__all__ = ["char", "smtp"]  # fixtures, imported for pytest


def test_the_rule_recipients_get_text_and_html_with_the_chart_link(
    char, smtp, django_capture_on_commit_callbacks
):
    make_rule(char, email_recipients="qa@example.com, shift.lead@example.com")
    violation = raise_violation(char, django_capture_on_commit_callbacks)
    [(recipients, message)] = smtp.messages
    assert sorted(recipients) == ["qa@example.com", "shift.lead@example.com"]
    assert message["To"] == "qa@example.com, shift.lead@example.com"
    assert message["Subject"].strip().startswith("[OpenSPC] Critical: Shaft OD — ")
    link = f"https://spc.example.com/chars/{char.pk}/"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Critical violation on Shaft OD" in text
    assert "Rule 1:" in text
    assert "20.0 mm" in text
    assert f"Open the chart: {link}" in text
    assert f'<a href="{link}">Open the chart</a>' in html
    delivery = Delivery.objects.get()
    assert delivery.violation_id == violation.pk
    assert delivery.status == Delivery.Status.DELIVERED
    assert message["X-OpenSPC-Event-Id"] == str(delivery.event_id)


def test_a_rule_for_critical_only_or_other_rules_or_another_site_stays_silent(
    char, smtp, django_capture_on_commit_callbacks
):
    from hierarchy.tests.factories import NodeFactory

    make_rule(char, email_recipients="a@example.com", rules=[2, 3])
    other_site = NodeFactory(parent=NodeFactory())
    rule = make_rule(char, email_recipients="b@example.com")
    rule.node = other_site
    rule.save()
    raise_violation(char, django_capture_on_commit_callbacks)
    assert smtp.messages == []
    assert not Delivery.objects.exists()


def test_only_the_first_violation_of_an_episode_is_mailed(
    char, smtp, django_capture_on_commit_callbacks
):
    make_rule(char, email_recipients="qa@example.com", rules=[1])
    first = raise_violation(char, django_capture_on_commit_callbacks, 20.0)
    second = raise_violation(char, django_capture_on_commit_callbacks, 21.0)
    assert second.episode == first.pk  # the same episode
    assert len(smtp.messages) == 1


def test_an_smtp_outage_is_retried(char, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # down
    make_rule(char, email_recipients="qa@example.com")
    raise_violation(char, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.RETRYING
    from alerts.tests.receivers import SmtpServer

    server = SmtpServer()
    settings.EMAIL_PORT = server.port
    try:
        with time_machine.travel(next_try(delivery) + timedelta(seconds=1), tick=False):
            assert tasks.retry_due() == 1
    finally:
        server.stop()
    assert [r for r, _ in server.messages] == [["qa@example.com"]]
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED
