"""Record a message that could not become a sample: a DeadLetter row and its counter."""

from __future__ import annotations

import logging

from django.db import DatabaseError, transaction

from ingest.models import DeadLetter, IngestCounter

logger = logging.getLogger(__name__)

COUNTER_PREFIX = "dead_letter."


def record(topic: str, payload: bytes, reason: str, detail: str = "") -> bool:
    """Store the dead letter and count it under ``dead_letter.<reason>``; never raises.

    Returns False (and logs) when even that fails, so the caller does not acknowledge.
    """
    try:
        with transaction.atomic():
            DeadLetter.objects.create(
                topic=topic[:512], payload=bytes(payload), reason=reason[:40], detail=detail[:2000]
            )
            IngestCounter.increment(COUNTER_PREFIX + reason)
    except (DatabaseError, ValueError, TypeError):
        logger.exception("could not record a dead letter for %s (%s)", topic, reason)
        return False
    return True


def count(name: str, by: int = 1) -> None:
    """Add to an ingest counter (drops, rebirth requests, ...); never raises."""
    try:
        IngestCounter.increment(name, by)
    except DatabaseError:
        logger.exception("could not count %s", name)
