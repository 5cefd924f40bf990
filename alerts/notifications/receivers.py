"""The pipeline's ``violations_raised`` signal → a celery task after the commit.

Connected in ``alerts.apps.AlertsConfig.ready``. The signal comes after the pipeline's
commit already; the task is queued on the commit of whatever transaction is open now (none:
at once). Only episode heads notify. Never raises into the caller that stored the samples.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from django.db import DatabaseError, transaction

from alerts.models import INFORMATIONAL, NotificationRule
from alerts.notifications.routing import heads_of_episodes
from alerts.notifications.tasks import notify_violations_task

logger = logging.getLogger(__name__)


def on_violations_raised(sender: Any, results: list[Any], **kwargs: Any) -> None:
    """Queue ``alerts.notify_violations`` for the new episodes' first violations."""
    # INFORMATIONAL violations are shown, never notified (below every min_severity)
    ids = heads_of_episodes(v for r in results for v in r.violations if v.severity != INFORMATIONAL)
    if not ids:
        return
    try:
        if not NotificationRule.objects.filter(active=True).exists():
            return
    except DatabaseError:
        logger.exception("could not look up notification rules")
        return
    transaction.on_commit(functools.partial(_queue, ids))


def _queue(ids: list[int]) -> None:
    """Queue the task (inline without a broker): whatever fails is logged, never raised."""
    try:
        notify_violations_task.delay(ids)
    except Exception:  # a notification must never fail the caller that stored the samples
        logger.exception("could not notify of %d violations", len(ids))
