"""Overdue sampling: the schedule state of stored characteristics, and the overdue alert.

``status``/``statuses`` give the dashboard and the API a characteristic's
``spc.jobs.schedule.SamplingStatus`` from its newest sample. ``check_overdue`` (run by celery
beat every ``OVERDUE_CHECK_SECONDS``) publishes one ``sampling.overdue`` event per overdue
episode to the characteristic's groups. The alert is not a rule violation: no run rule
fired, so nothing is stored in ``alerts``; the event reaches open screens and the metrics.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Max
from django.utils import timezone

from spc.jobs.schedule import (
    OVERDUE_CHECK_SECONDS,
    SamplingStatus,
    became_overdue,
    sampling_status,
)
from spc.models import Characteristic, Sample
from spc.pipeline import events

logger = logging.getLogger(__name__)

SAMPLING_OVERDUE = events.SAMPLING_OVERDUE


def last_sample_times(characteristic_ids: Iterable[int]) -> dict[int, datetime]:
    """The newest sample time (source time) of each characteristic that has samples."""
    rows = (
        Sample.objects.filter(characteristic_id__in=list(characteristic_ids))
        .order_by()
        .values("characteristic_id")
        .annotate(last=Max("timestamp"))
    )
    return {row["characteristic_id"]: row["last"] for row in rows}


def statuses(
    chars: Iterable[Characteristic], now: datetime | None = None
) -> dict[int, SamplingStatus]:
    """Schedule state of each characteristic (one query for all of them)."""
    chars = list(chars)
    now = now or timezone.now()
    scheduled = [c.pk for c in chars if c.sampling_interval_minutes]
    last = last_sample_times(scheduled) if scheduled else {}
    return {
        c.pk: sampling_status(c.sampling_interval_minutes, last.get(c.pk), now, since=c.created_at)
        for c in chars
    }


def status(char: Characteristic, now: datetime | None = None) -> SamplingStatus:
    """Schedule state of one characteristic: NONE, OK, DUE or OVERDUE."""
    return statuses([char], now)[char.pk]


def overdue_event(char: Characteristic, state: SamplingStatus) -> dict[str, Any]:
    """The ``sampling.overdue`` event (plain JSON) for one characteristic."""
    return {
        "type": SAMPLING_OVERDUE,
        "characteristic_id": char.pk,
        "name": char.name,
        "node_id": char.hierarchy_id,
        **state.as_dict(),
    }


def consumers_handle_overdue() -> bool:
    """True when the live consumer has a ``sampling_overdue`` handler.

    A Channels consumer that receives an event type it has no handler for fails and
    closes its socket, so the event is only sent once the consumer can take it. The
    consumer's handlers are listed in ``events.LIVE_EVENT_TYPES`` (the jobs stay below the
    live layer and do not import it).
    """
    return SAMPLING_OVERDUE in events.LIVE_EVENT_TYPES


def check_overdue(
    now: datetime | None = None, window: timedelta = timedelta(seconds=OVERDUE_CHECK_SECONDS)
) -> list[int]:
    """Alert every active characteristic that became overdue in ``(now - window, now]``.

    Returns the ids alerted. Each overdue episode is alerted once when the check runs
    every ``window``; the event goes to ``char.<id>`` and the node groups above it.
    """
    now = now or timezone.now()
    chars = list(
        Characteristic.objects.active()
        .filter(sampling_interval_minutes__isnull=False)
        .select_related("hierarchy")
    )
    alerted: list[int] = []
    publish = consumers_handle_overdue()
    states = statuses(chars, now)
    for char in chars:
        state = states[char.pk]
        if not became_overdue(state, now, window):
            continue
        alerted.append(char.pk)
        logger.warning(
            "sampling overdue",
            extra={"characteristic_id": char.pk, "overdue_at": state.as_dict()["overdue_at"]},
        )
        if publish:
            events.publish(
                events.groups_for(char.pk, char.hierarchy.path), overdue_event(char, state)
            )
    return alerted
