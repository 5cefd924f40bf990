"""Deliveries: created once per (rule, violation, channel, kind), then tried until delivered.

A try claims the row with a conditional UPDATE (its attempt number and a lease), sends
outside any transaction, and records the attempt. Failures are retried with exponential
backoff (``OPENSPC_NOTIFY_BACKOFF_SECONDS`` doubled each try, at most an hour) up to
``OPENSPC_NOTIFY_MAX_ATTEMPTS``; a delivered (or cancelled) row is never sent again, so a
repeated task, a sweeper and a celery retry racing each other send at most once per claim.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from alerts.models import Delivery, DeliveryAttempt, NotificationRule, Violation, split_addresses
from alerts.notifications.messages import event_payload
from alerts.notifications.transport import AttemptOutcome, post_webhook, send_email

logger = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)
LEASE = timedelta(minutes=5)
"""A claimed try that never reports (its process died) is due again after this."""
EARLY = timedelta(seconds=2)
"""A celery retry may fire this much before ``next_attempt_at`` and still claim."""
OPEN = (Delivery.Status.PENDING, Delivery.Status.RETRYING)


def backoff(attempt: int) -> timedelta:
    """Delay after failed try number ``attempt`` (1-based): base · 2^(attempt-1), ≤ 1 h."""
    base = timedelta(seconds=settings.OPENSPC_NOTIFY_BACKOFF_SECONDS)
    return min(base * (2 ** max(0, attempt - 1)), MAX_BACKOFF)


def create_deliveries(
    violation: Violation, rules: Iterable[NotificationRule], kind: str, now: datetime | None = None
) -> list[int]:
    """New deliveries of ``violation`` for each rule's channels (existing ones are kept)."""
    now = now or timezone.now()
    created: list[int] = []
    for rule in rules:
        escalated = kind == Delivery.Kind.ESCALATED
        addresses = split_addresses(
            rule.escalation_recipients if escalated else rule.email_recipients
        )
        targets: list[tuple[str, str, int | None]] = []
        if addresses:
            targets.append((Delivery.Channel.EMAIL, ", ".join(addresses), None))
        if rule.webhook is not None and rule.webhook.active:
            targets.append((Delivery.Channel.WEBHOOK, rule.webhook.url, rule.webhook.pk))
        for channel, target, endpoint_id in targets:
            delivery = Delivery(
                rule=rule,
                violation=violation,
                channel=channel,
                kind=kind,
                endpoint_id=endpoint_id,
                target=target[:1000],
                next_attempt_at=now,
                created_at=now,
            )
            delivery.payload = event_payload(violation, kind, str(delivery.event_id), rule.name)
            try:
                with transaction.atomic():
                    delivery.save()
            except IntegrityError:
                continue  # this rule already notified this channel of this violation
            created.append(delivery.pk)
    return created


def attempt(delivery_id: int, now: datetime | None = None) -> Delivery | None:
    """Try a due delivery once and record it; None when it is not ours to try (delivered,
    cancelled, given up, not yet due, or claimed by another try)."""
    now = now or timezone.now()
    row = Delivery.objects.filter(pk=delivery_id).select_related("endpoint", "violation").first()
    if row is None or row.status not in OPEN:
        return None
    if row.next_attempt_at is not None and row.next_attempt_at > now + EARLY:
        return None
    if row.kind == Delivery.Kind.ESCALATED and row.violation.acknowledged_at is not None:
        Delivery.objects.filter(pk=row.pk, status__in=OPEN).update(
            status=Delivery.Status.CANCELLED, next_attempt_at=None
        )
        return None
    number = row.attempts + 1
    claimed = Delivery.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + EARLY),
        pk=row.pk,
        status__in=OPEN,
        attempts=row.attempts,
    ).update(attempts=number, next_attempt_at=now + LEASE)
    if not claimed:
        return None
    outcome = _send(row)
    return _record(row, number, outcome)


def _send(row: Delivery) -> AttemptOutcome:
    if row.channel == Delivery.Channel.WEBHOOK:
        if row.endpoint is None:
            return AttemptOutcome(False, 0.0, error="the webhook endpoint was deleted")
        return post_webhook(row.endpoint.url, row.endpoint.secret, row.payload)
    return send_email(split_addresses(row.target), row.payload)


def _record(row: Delivery, number: int, outcome: AttemptOutcome) -> Delivery:
    """Store the attempt and the delivery's new state."""
    done = timezone.now()
    next_at: datetime | None = None
    if outcome.ok:
        status = Delivery.Status.DELIVERED
    elif number >= settings.OPENSPC_NOTIFY_MAX_ATTEMPTS:
        status = Delivery.Status.FAILED
    else:
        status = Delivery.Status.RETRYING
        next_at = done + backoff(number)
    error = outcome.error[:500]
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=row,
            number=number,
            started_at=done - timedelta(milliseconds=outcome.latency_ms),
            ok=outcome.ok,
            status_code=outcome.status_code,
            latency_ms=round(outcome.latency_ms, 1),
            response_excerpt=outcome.excerpt[:500],
            error=error,
            next_attempt_at=next_at,
        )
        Delivery.objects.filter(pk=row.pk).update(
            status=status,
            next_attempt_at=next_at,
            delivered_at=done if outcome.ok else None,
            last_error=error,
        )
    if not outcome.ok:
        logger.warning("delivery %s try %d failed: %s", row.pk, number, error)
    row.refresh_from_db()
    return row


def due_ids(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Open deliveries whose next try is due (the sweeper's work)."""
    now = now or timezone.now()
    return list(
        Delivery.objects.filter(status__in=OPEN, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
