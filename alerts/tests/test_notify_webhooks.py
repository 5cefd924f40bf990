"""Signed webhooks against a real HTTP receiver: body, signature, retries, no duplicates."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from alerts.models import Delivery
from alerts.notifications import deliveries, signing, tasks
from alerts.tests.notify_support import SECRET, char, make_rule, next_try, raise_violation
from alerts.tests.receivers import WebhookReceiver, free_port

pytestmark = pytest.mark.django_db
__all__ = ["char"]  # the fixture, imported for pytest


def test_a_violation_is_posted_signed_once(char, django_capture_on_commit_callbacks):
    receiver = WebhookReceiver([200])
    try:
        make_rule(char, receiver.url)
        violation = raise_violation(char, django_capture_on_commit_callbacks)
    finally:
        receiver.stop()
    [request] = receiver.requests
    body = json.loads(request.body)
    assert body["type"] == "violation.raised"
    assert body["violation"]["id"] == violation.pk
    assert body["violation"]["rule"] == 1
    assert body["violation"]["severity"] == violation.severity
    assert body["characteristic"]["name"] == "Shaft OD"
    assert body["characteristic"]["url"].endswith(f"/chars/{char.pk}/")
    assert body["sample"]["value"] == 20.0
    # The receiver's check, with the shared secret, on the raw bytes it got.
    header = request.headers[signing.SIGNATURE_HEADER]
    assert signing.verify(SECRET, header, request.body)
    assert not signing.verify("another secret", header, request.body)
    assert not signing.verify(SECRET, header, request.body + b" ")
    assert request.headers[signing.EVENT_ID_HEADER] == body["id"]
    delivery = Delivery.objects.get()
    assert str(delivery.event_id) == body["id"]
    assert delivery.status == Delivery.Status.DELIVERED
    [attempt] = delivery.attempt_log.all()
    assert attempt.ok
    assert attempt.status_code == 200
    assert attempt.latency_ms > 0
    assert attempt.response_excerpt == '{"ok": true}'


def test_a_500_is_retried_after_the_backoff_and_never_sent_twice(
    char, django_capture_on_commit_callbacks
):
    receiver = WebhookReceiver([500, 200])
    try:
        make_rule(char, receiver.url)
        raise_violation(char, django_capture_on_commit_callbacks)
        delivery = Delivery.objects.get()
        assert delivery.status == Delivery.Status.RETRYING
        assert delivery.attempts == 1
        first_due = delivery.next_attempt_at
        assert first_due is not None
        assert tasks.retry_due() == 0  # not due yet
        with time_machine.travel(first_due + timedelta(seconds=1), tick=False):
            assert tasks.retry_due() == 1
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.DELIVERED
        # A repeated task, a sweep, a re-raised signal: nothing more is sent.
        later = timezone.now() + timedelta(hours=3)
        assert deliveries.attempt(delivery.pk, later) is None
        assert tasks.retry_due(later) == 0
        assert tasks.deliver_task.delay(delivery.pk).get() == "skipped"
        tasks.notify_violations([delivery.violation_id])
    finally:
        receiver.stop()
    assert [r.status for r in receiver.requests] == [500, 200]
    first, second = receiver.requests
    assert first.body == second.body  # the same event, re-signed
    assert first.headers[signing.EVENT_ID_HEADER] == second.headers[signing.EVENT_ID_HEADER]
    assert signing.verify(SECRET, second.headers[signing.SIGNATURE_HEADER], second.body)
    log = list(delivery.attempt_log.values_list("number", "ok", "status_code"))
    assert log == [(1, False, 500), (2, True, 200)]
    assert delivery.attempt_log.first().response_excerpt == "receiver broken"
    assert Delivery.objects.count() == 1


def test_a_receiver_that_is_down_gets_the_event_when_it_comes_up(
    char, django_capture_on_commit_callbacks, settings
):
    port = free_port()  # nothing listens: connection refused
    make_rule(char, f"http://127.0.0.1:{port}/hook")
    raise_violation(char, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.RETRYING
    backoff = timedelta(seconds=settings.OPENSPC_NOTIFY_BACKOFF_SECONDS)
    assert abs(next_try(delivery) - timezone.now() - backoff) < timedelta(seconds=5)
    # Still down at the first retry: the next waits twice as long.
    with time_machine.travel(next_try(delivery) + timedelta(seconds=1), tick=False):
        assert tasks.retry_due() == 1
        delivery.refresh_from_db()
        assert abs(next_try(delivery) - timezone.now() - 2 * backoff) < timedelta(seconds=1)
    assert delivery.status == Delivery.Status.RETRYING
    assert "Connection refused" in delivery.last_error or "refused" in delivery.last_error
    receiver = WebhookReceiver([200], port=port)
    try:
        with time_machine.travel(next_try(delivery) + timedelta(seconds=1), tick=False):
            assert tasks.retry_due() == 1
    finally:
        receiver.stop()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED
    assert delivery.attempts == 3
    [request] = receiver.requests
    assert json.loads(request.body)["id"] == str(delivery.event_id)
    assert signing.verify(SECRET, request.headers[signing.SIGNATURE_HEADER], request.body)
    errors = list(delivery.attempt_log.values_list("status_code", "ok"))
    assert errors == [(None, False), (None, False), (200, True)]


def test_it_gives_up_after_the_last_attempt(char, django_capture_on_commit_callbacks, settings):
    settings.OPENSPC_NOTIFY_MAX_ATTEMPTS = 2
    receiver = WebhookReceiver([503])
    try:
        make_rule(char, receiver.url)
        raise_violation(char, django_capture_on_commit_callbacks)
        delivery = Delivery.objects.get()
        with time_machine.travel(next_try(delivery) + timedelta(seconds=1), tick=False):
            tasks.retry_due()
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.FAILED
        assert delivery.next_attempt_at is None
        assert tasks.retry_due(timezone.now() + timedelta(days=1)) == 0
    finally:
        receiver.stop()
    assert len(receiver.requests) == 2


def test_backoff_doubles_up_to_an_hour(settings):
    settings.OPENSPC_NOTIFY_BACKOFF_SECONDS = 30
    assert [deliveries.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert deliveries.backoff(20) == timedelta(hours=1)


def test_signature_is_stripe_style():
    body = b'{"a":1}'
    header = signing.signature_header("k", body, timestamp=1700000000)
    # HMAC-SHA256("k", "1700000000.{\"a\":1}") computed independently with openssl:
    # printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac k
    assert header == (
        "t=1700000000,v1=1b6ad1bc9bf48c52ce01939866d5877c6cc4e87ddad27e16673cb8c4964394a3"
    )
    assert signing.verify("k", header, body, now=1700000100)
    assert not signing.verify("k", header, body, now=1700000000 + 301)  # too old


def test_with_a_broker_celery_retries_the_task_after_the_backoff(char, settings, monkeypatch):
    """Not eager (a worker and Redis in production): a failed try asks celery to retry the
    task after the backoff; the sweeper stays the safety net."""
    from celery.exceptions import Retry

    asked: list[dict] = []

    def retry(**options):
        asked.append(options)
        return Retry()

    monkeypatch.setattr(tasks.deliver_task, "retry", retry)
    from alerts.models import Violation
    from spc.pipeline.processing import SubgroupInput, process

    receiver = WebhookReceiver([500, 200])
    try:
        rule = make_rule(char, receiver.url)
        process(SubgroupInput(char.pk, (20.0,), source="REST"))  # no commit here: no task
        violation = Violation.objects.get(rule=1)
        [delivery_id] = deliveries.create_deliveries(violation, [rule], Delivery.Kind.RAISED)
        with pytest.raises(Retry) as retried:
            tasks.deliver_task.run(delivery_id)  # as a worker calls it: not eager
        assert retried.value is not None
        assert asked == [{"countdown": settings.OPENSPC_NOTIFY_BACKOFF_SECONDS}]
    finally:
        receiver.stop()
    assert [r.status for r in receiver.requests] == [500]
    assert Delivery.objects.get().status == Delivery.Status.RETRYING
