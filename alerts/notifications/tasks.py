"""Celery tasks of notifications (scheduled in ``openspc.celery``).

- ``alerts.notify_violations``: deliveries for new violations, each sent at once;
- ``alerts.deliver``: one try of one delivery; a failure is retried by celery after the
  backoff (``self.retry(countdown=…)``) and, whatever happens to that retry, by the sweeper;
- ``alerts.retry_due_deliveries`` (beat, every 30 s): tries every due open delivery;
- ``alerts.escalate_violations`` (beat, every minute): escalation lists of rules whose
  violations are still unacknowledged after their delay;
- ``alerts.send_daily_digests`` (beat, mornings): ``alerts.notifications.digest``.

Each also exists as a plain function taking ``now`` for tests and ``manage.py shell``.
Without a broker (the embedded default) tasks run inline, and retries wait for the sweeper.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from celery import shared_task
from django.utils import timezone

from alerts.models import Delivery
from alerts.notifications import deliveries, routing

logger = logging.getLogger(__name__)

RETRY_SWEEP_SECONDS = 30
ESCALATION_CHECK_SECONDS = 60


def enqueue(delivery_ids: Iterable[int]) -> None:
    """Send each delivery from celery (inline without a broker)."""
    for delivery_id in delivery_ids:
        deliver_task.delay(delivery_id)


def notify_violations(violation_ids: Iterable[int], now: datetime | None = None) -> list[int]:
    """Create the deliveries of new violations for every matching rule; send them."""
    rules = routing.active_rules()
    if not rules:
        return []
    created: list[int] = []
    for violation in routing.violations_for_notice(violation_ids):
        matching = routing.rules_matching(violation, rules)
        if matching:
            created += deliveries.create_deliveries(violation, matching, Delivery.Kind.RAISED, now)
    enqueue(created)
    return created


def retry_due(now: datetime | None = None) -> int:
    """Try every open delivery that is due; returns how many were tried."""
    ids = deliveries.due_ids(now)
    tried = 0
    for delivery_id in ids:
        if deliveries.attempt(delivery_id, now) is not None:
            tried += 1
    return tried


def escalate(now: datetime | None = None) -> list[int]:
    """Escalation deliveries for violations still open after their rule's delay; sent."""
    now = now or timezone.now()
    created: list[int] = []
    for rule in routing.active_rules():
        if not rule.escalation_after_minutes:
            continue
        for violation in routing.due_for_escalation(rule, now):
            created += deliveries.create_deliveries(violation, [rule], Delivery.Kind.ESCALATED, now)
    enqueue(created)
    return created


@shared_task(name="alerts.notify_violations", ignore_result=True)
def notify_violations_task(violation_ids: list[int]) -> int:
    """Celery entry of :func:`notify_violations`."""
    return len(notify_violations(violation_ids))


@shared_task(name="alerts.deliver", bind=True, ignore_result=True, max_retries=None)
def deliver_task(self: Any, delivery_id: int) -> str:
    """One try of a delivery; on failure, celery retries it after the backoff."""
    row = deliveries.attempt(delivery_id)
    if row is None:
        return "skipped"
    if row.status == Delivery.Status.RETRYING and not self.request.is_eager:
        delay = deliveries.backoff(row.attempts).total_seconds()
        raise self.retry(countdown=delay)
    return str(row.status)


@shared_task(name="alerts.retry_due_deliveries", ignore_result=True)
def retry_due_task() -> int:
    """Celery entry of :func:`retry_due` (beat)."""
    return retry_due()


@shared_task(name="alerts.send_daily_digests", ignore_result=True)
def send_daily_digests_task() -> int:
    """Celery entry of :func:`alerts.notifications.digest.send_digests` (beat)."""
    from alerts.notifications.digest import send_digests  # the reports stack, only here

    return send_digests()


@shared_task(name="alerts.escalate_violations", ignore_result=True)
def escalate_task() -> int:
    """Celery entry of :func:`escalate` (beat)."""
    return len(escalate())
