"""Escalation with a controlled clock: a violation still unacknowledged after the rule's
delay notifies the second list once; an acknowledgement stops it. No sleeps."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from alerts.models import Delivery
from alerts.notifications import tasks
from alerts.services import acknowledge
from alerts.tests.factories import ReasonCodeFactory
from alerts.tests.notify_support import char, make_rule, raise_violation, smtp

pytestmark = pytest.mark.django_db
__all__ = ["char", "smtp"]  # fixtures, imported for pytest


@pytest.fixture
def rule(char):
    return make_rule(
        char,
        email_recipients="operators@example.com",
        escalation_after_minutes=30,
        escalation_recipients="plant.manager@example.com",
    )


def escalated_to(smtp) -> list[list[str]]:
    return [r for r, m in smtp.messages if "ESCALATION" in str(m["Subject"])]


def test_an_open_violation_escalates_once_after_the_delay(
    char, rule, smtp, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        violation = raise_violation(char, django_capture_on_commit_callbacks)
    assert len(smtp.messages) == 1  # the first list, at once
    with time_machine.travel(start + timedelta(minutes=29, seconds=59), tick=False):
        assert tasks.escalate() == []
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        [delivery_id] = tasks.escalate()
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        assert tasks.escalate() == []  # once
    with time_machine.travel(start + timedelta(hours=5), tick=False):
        assert tasks.escalate() == []
    assert escalated_to(smtp) == [["plant.manager@example.com"]]
    delivery = Delivery.objects.get(pk=delivery_id)
    assert delivery.kind == Delivery.Kind.ESCALATED
    assert delivery.violation_id == violation.pk
    assert delivery.status == Delivery.Status.DELIVERED
    body = smtp.messages[-1][1].get_body(preferencelist=("plain",)).get_content()
    assert "still unacknowledged" in body


def test_an_acknowledgement_stops_the_escalation(
    char, rule, smtp, django_capture_on_commit_callbacks, admin_user
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        violation = raise_violation(char, django_capture_on_commit_callbacks)
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        acknowledge([violation.pk], user=admin_user, reason_code=ReasonCodeFactory())
    with time_machine.travel(start + timedelta(minutes=45), tick=False):
        assert tasks.escalate() == []
    assert escalated_to(smtp) == []


def test_an_acknowledgement_before_a_retry_cancels_a_pending_escalation(
    char, rule, settings, django_capture_on_commit_callbacks, admin_user
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens: fails
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        violation = raise_violation(char, django_capture_on_commit_callbacks)
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        [delivery_id] = tasks.escalate()
    assert Delivery.objects.get(pk=delivery_id).status == Delivery.Status.RETRYING
    acknowledge([violation.pk], user=admin_user, reason_code=ReasonCodeFactory())
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        tasks.retry_due()
    assert Delivery.objects.get(pk=delivery_id).status == Delivery.Status.CANCELLED


def test_violations_older_than_the_rule_do_not_escalate(
    char, smtp, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        raise_violation(char, django_capture_on_commit_callbacks)
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        make_rule(
            char,
            email_recipients="a@example.com",
            escalation_after_minutes=1,
            escalation_recipients="b@example.com",
        )
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        assert tasks.escalate() == []


def test_the_command_retries_and_escalates_without_celery_beat(
    char, rule, smtp, django_capture_on_commit_callbacks
):
    from io import StringIO

    from django.core.management import call_command

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        raise_violation(char, django_capture_on_commit_callbacks)
    out = StringIO()
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        call_command("notifications", stdout=out)
    assert out.getvalue().strip() == "retried 0 deliveries, 1 escalations"
    assert escalated_to(smtp) == [["plant.manager@example.com"]]
