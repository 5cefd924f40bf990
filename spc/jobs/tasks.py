"""Periodic jobs run by celery beat (schedule in ``openspc.celery``), never the hot path.

- ``purge_expired_samples``: per characteristic with ``retention_days``, delete samples
  whose source time is older than the policy, except samples inside the current control
  limit baseline, samples with an unacknowledged violation or one a corrective action
  refers to, and the newest samples the rolling window reads (so the rules continue as if
  nothing was purged).
- ``recalculate_scheduled_limits``: per characteristic with ``recalc_every_days``, when
  the last limit change is that old, recalculate from the samples of that period through
  ``spc.pipeline.limit_changes.recalculate_limits`` (out-of-control points dropped,
  history recorded).
- ``check_overdue_sampling``: alert characteristics whose next sample became overdue
  (``spc.jobs.overdue.check_overdue``).

Each job is also a plain function taking ``now`` so tests and ``manage.py shell`` can run it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from celery import shared_task
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from alerts.models import CorrectiveAction, Violation
from spc.core.errors import InputError
from spc.core.evaluate import window_capacity
from spc.jobs.overdue import check_overdue
from spc.models import Characteristic, LimitSet, Sample
from spc.pipeline import chart_revisions
from spc.pipeline.limit_changes import recalculate_limits
from spc.pipeline.processing import config_for

logger = logging.getLogger(__name__)

PURGE_BATCH = 5000
SCHEDULED_REASON = "Scheduled recalculation (every {days} days)"


def baseline_range(char: Characteristic) -> tuple[int, int] | None:
    """First and last sample id of the baseline behind the limits in force.

    The newest limit change that recorded a baseline: a later manual edit keeps the
    baseline its limits were usually derived from protected too.
    """
    for baseline in (
        LimitSet.objects.filter(characteristic=char)
        .order_by("-created_at", "-id")
        .values_list("baseline", flat=True)
    ):
        if isinstance(baseline, dict):
            first, last = baseline.get("first_sample_id"), baseline.get("last_sample_id")
            if isinstance(first, int) and isinstance(last, int):
                return first, last
    return None


def window_floor_id(char: Characteristic) -> int | None:
    """The oldest sample id the characteristic's rolling window reads (keep it and newer)."""
    capacity = window_capacity(config_for(char))
    ids = Sample.objects.filter(characteristic=char).order_by("-id").values_list("id", flat=True)
    tail = list(ids[: max(capacity, 1)])
    return int(tail[-1]) if tail else None


def purgeable_samples(char: Characteristic, now: datetime) -> Q | None:
    """Filter for the samples of ``char`` its retention policy lets go (None: none)."""
    if not char.retention_days:
        return None
    cutoff = now - timedelta(days=char.retention_days)
    keep = Q(Exists(Violation.objects.unacknowledged().filter(sample_id=OuterRef("pk"))))
    # A violation a corrective action refers to stays, and with it its sample (issue 23).
    keep |= Q(Exists(CorrectiveAction.objects.filter(violation__sample_id=OuterRef("pk"))))
    baseline = baseline_range(char)
    if baseline is not None:
        keep |= Q(pk__gte=baseline[0], pk__lte=baseline[1])
    floor = window_floor_id(char)
    if floor is not None:
        keep |= Q(pk__gte=floor)
    return Q(characteristic=char, timestamp__lt=cutoff) & ~keep


def purge_expired_samples(now: datetime | None = None) -> dict[int, int]:
    """Delete expired samples (see the module docstring); returns the count per id."""
    now = now or timezone.now()
    purged: dict[int, int] = {}
    for char in Characteristic.objects.filter(retention_days__isnull=False):
        condition = purgeable_samples(char, now)
        if condition is None:
            continue
        total = 0
        while True:
            ids = list(
                Sample.objects.filter(condition)
                .order_by("id")
                .values_list("id", flat=True)[:PURGE_BATCH]
            )
            if not ids:
                break
            with transaction.atomic():
                Sample.objects.filter(pk__in=ids).delete()
                chart_revisions.touch([char.pk])
            total += len(ids)
        if total:
            purged[char.pk] = total
            logger.info(
                "purged expired samples",
                extra={"characteristic_id": char.pk, "samples": total},
            )
    return purged


def recalculation_due(char: Characteristic, now: datetime) -> bool:
    """True when the last limit change (or the creation) is ``recalc_every_days`` old."""
    if not char.recalc_every_days:
        return False
    last = (
        LimitSet.objects.filter(characteristic=char)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    reference = last or char.created_at
    return now - reference >= timedelta(days=char.recalc_every_days)


def recalculate_scheduled(now: datetime | None = None) -> dict[int, str]:
    """Recalculate the limits that are due; returns ``{id: "stored" | reason skipped}``."""
    now = now or timezone.now()
    outcome: dict[int, str] = {}
    chars = Characteristic.objects.active().filter(recalc_every_days__isnull=False)
    for char in chars.select_related("hierarchy"):
        if not recalculation_due(char, now):
            continue
        days = char.recalc_every_days or 0
        try:
            recalculate_limits(
                char,
                start=now - timedelta(days=days),
                end=now,
                exclude_out_of_control=True,
                reason=SCHEDULED_REASON.format(days=days),
            )
        except InputError as exc:
            outcome[char.pk] = exc.message
            logger.warning(
                "scheduled recalculation skipped",
                extra={"characteristic_id": char.pk, "reason": exc.message},
            )
            continue
        outcome[char.pk] = "stored"
    return outcome


@shared_task(name="spc.purge_expired_samples", ignore_result=True)
def purge_expired_samples_task() -> int:
    """Celery entry point of ``purge_expired_samples``: total samples deleted."""
    return sum(purge_expired_samples().values())


@shared_task(name="spc.recalculate_scheduled_limits", ignore_result=True)
def recalculate_scheduled_limits_task() -> int:
    """Celery entry point of ``recalculate_scheduled``: limits stored."""
    return sum(1 for result in recalculate_scheduled().values() if result == "stored")


@shared_task(name="spc.check_overdue_sampling", ignore_result=True)
def check_overdue_sampling_task() -> int:
    """Celery entry point of ``spc.jobs.overdue.check_overdue``: characteristics alerted."""
    return len(check_overdue())
