"""Acknowledging violations and summarising what is still open.

Views, API endpoints and consumers call these; none of them changes a violation itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from alerts.capa import check_actions_opened
from alerts.models import ReasonCode, Violation
from audit.models import AuditEntry
from audit.trail import jsonable
from hierarchy.scoping import scope_queryset
from spc.core.errors import InputError
from spc.pipeline import chart_revisions, events

NO_DATA = "NO_DATA"
IN_CONTROL = "IN_CONTROL"
WARNING = "WARNING"
CRITICAL = "CRITICAL"
CARD_STATES = (NO_DATA, IN_CONTROL, WARNING, CRITICAL)
STALE_AFTER = timedelta(hours=8)
SUPERSEDED = "SUPERSEDED"
"""Reason code of violations closed by a limit recalculation (created by a data migration;
inactive, so no operator picks it)."""
SUPERSEDED_DESCRIPTION = "limits recalculated"


@dataclass(frozen=True)
class AckResult:
    """What an acknowledgement changed."""

    acknowledged: list[int] = field(default_factory=list)
    characteristic_ids: list[int] = field(default_factory=list)


def open_counts(characteristic_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Unacknowledged violations per characteristic, by severity."""
    ids = list(characteristic_ids)
    counts: dict[int, dict[str, int]] = {i: {WARNING: 0, CRITICAL: 0} for i in ids}
    rows = (
        Violation.objects.unacknowledged()
        .filter(characteristic__in_array=ids)
        .values("characteristic_id", "severity")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[row["characteristic_id"]][row["severity"]] = row["n"]
    return counts


def card_state(
    counts: dict[str, int],
    last_sample_at: datetime | None,
    *,
    now: datetime | None = None,
    stale_after: timedelta = STALE_AFTER,
) -> str:
    """Colour of a characteristic's card: open violations first, then data freshness."""
    if counts.get(CRITICAL):
        return CRITICAL
    if counts.get(WARNING):
        return WARNING
    now = now or timezone.now()
    if last_sample_at is None or now - last_sample_at > stale_after:
        return NO_DATA
    return IN_CONTROL


def _reason(reason_code: str | ReasonCode) -> ReasonCode:
    if isinstance(reason_code, ReasonCode):
        return reason_code
    code = (reason_code or "").strip()
    if not code:
        raise InputError("reason_code", "A reason code is required.")
    found = ReasonCode.objects.filter(code=code, active=True).first()
    if found is None:
        raise InputError("reason_code", f"Unknown or inactive reason code {code!r}.")
    return found


def acknowledge(
    violation_ids: Iterable[int],
    *,
    user: Any,
    reason_code: str | ReasonCode,
    comment: str = "",
    whole_episodes: bool = True,
) -> AckResult:
    """Acknowledge violations (and, by default, the rest of their episodes).

    ``user`` is the authenticated user; already acknowledged violations are left as they
    were. Publishes ``violations.acknowledged`` per characteristic after commit.
    """
    try:
        ids = sorted({int(i) for i in violation_ids})
    except (TypeError, ValueError) as exc:
        raise InputError("violation_ids", "Violation ids must be integers.") from exc
    if not ids:
        raise InputError("violation_ids", "Choose at least one violation.")
    reason = _reason(reason_code)
    if len(comment) > 2000:
        raise InputError("comment", "At most 2000 characters.")
    visible: QuerySet[Violation] = Violation.objects.filter(pk__in=ids)
    if getattr(user, "is_authenticated", False):
        visible = scope_queryset(visible, user)  # others' sites: as if unknown
    found = set(visible.values_list("pk", flat=True))
    missing = [i for i in ids if i not in found]
    if missing:
        raise InputError("violation_ids", f"Unknown violations: {missing[:20]}.")

    now = timezone.now()
    with transaction.atomic():
        wanted = Q(pk__in=ids)
        if whole_episodes:
            episodes = set(
                Violation.objects.unacknowledged()
                .filter(pk__in=ids, episode__isnull=False)
                .values_list("episode", flat=True)
            )
            wanted |= Q(episode__in=episodes)
        rows = list(
            Violation.objects.unacknowledged()
            .filter(wanted)
            .select_for_update()
            .order_by("pk")
            .values_list("pk", "characteristic_id")
        )
        acked = [pk for pk, _ in rows]
        check_actions_opened(acked)  # issue 23: some rules need a corrective action first
        Violation.objects.filter(pk__in=acked).update(
            acknowledged_at=now, acknowledged_by=user, reason_code=reason, comment=comment
        )
        char_ids = sorted({c for _, c in rows})
        _audit_acknowledged(acked, user, reason, comment)
        _publish_acknowledged(char_ids, rows, user, reason)
    return AckResult(acknowledged=acked, characteristic_ids=char_ids)


def superseded_reason() -> ReasonCode:
    """The system's SUPERSEDED reason code (made here too where migrations did not run)."""
    reason, _ = ReasonCode.objects.get_or_create(
        code=SUPERSEDED,
        defaults={
            "description": SUPERSEDED_DESCRIPTION,
            "category": ReasonCode.Category.OTHER,
            "active": False,
        },
    )
    return reason


def open_violation_count(characteristic_id: int) -> int:
    """How many of a characteristic's violations are unacknowledged."""
    return Violation.objects.unacknowledged().filter(characteristic_id=characteristic_id).count()


def supersede_open(characteristic_id: int, *, note: str) -> list[int]:
    """Close a characteristic's open violations as superseded; returns their ids.

    Called by a limit recalculation inside its transaction: the violations were raised
    under limits no longer in force. They are acknowledged by the system (no user) with the
    SUPERSEDED reason code and ``note`` as comment (naming the new limit set), recorded in
    the audit trail, and ``violations.acknowledged`` is published after commit.
    """
    reason = superseded_reason()
    rows = list(
        Violation.objects.unacknowledged()
        .filter(characteristic_id=characteristic_id)
        .select_for_update()
        .order_by("pk")
        .values_list("pk", "characteristic_id")
    )
    ids = [pk for pk, _ in rows]
    if not ids:
        return []
    _close_by_system(ids, reason, note)
    _publish_acknowledged([characteristic_id], rows, None, reason)
    return ids


def close_superseded(ids: list[int], note: str) -> None:
    """Acknowledge the violations ``ids`` by the system (SUPERSEDED, ``note`` as comment),
    one audit row each: a late sample put before them means they no longer hold."""
    if not ids:
        return
    _close_by_system(ids, superseded_reason(), note)


def _close_by_system(ids: list[int], reason: ReasonCode, note: str) -> None:
    """Acknowledge ``ids`` with no user, ``reason`` and ``note``; one audit row each."""
    Violation.objects.filter(pk__in=ids).update(
        acknowledged_at=timezone.now(), acknowledged_by=None, reason_code=reason, comment=note
    )
    _audit_acknowledged(ids, None, reason, note)


def reopen_superseded(ids: list[int], note: str) -> None:
    """Open again the system-closed violations ``ids`` (they hold again after a later
    arrival), one audit row each with the closing it undoes as the old value."""
    if not ids:
        return
    chosen = Violation.objects.filter(pk__in=ids)
    rows = list(chosen.select_related("characteristic__hierarchy", "reason_code"))
    chosen.update(acknowledged_at=None, reason_code=None, comment="")
    AuditEntry.objects.bulk_create(
        AuditEntry(
            action=AuditEntry.Action.CHANGE,
            object_type=Violation._meta.label,
            object_id=str(v.pk),
            object_repr=f"{v} ({v.characteristic.name})"[:200],
            path=v.characteristic.hierarchy.path,
            old={
                "acknowledged_at": jsonable(v.acknowledged_at),
                "reason_code": v.reason_code.code if v.reason_code else None,
                "comment": v.comment,
            },
            new={"acknowledged_at": None, "reason_code": None, "comment": ""},
            reason=note,
        )
        for v in rows
    )


def _audit_acknowledged(ids: list[int], user: Any, reason: ReasonCode, comment: str) -> None:
    """One audit row per acknowledged violation."""
    actor = user if getattr(user, "pk", None) else None
    rows = Violation.objects.filter(pk__in=ids).select_related("characteristic__hierarchy")
    AuditEntry.objects.bulk_create(
        AuditEntry(
            user=actor,
            username=getattr(actor, "username", "") if actor else "",
            time=v.acknowledged_at or timezone.now(),
            action=AuditEntry.Action.ACKNOWLEDGE,
            object_type=Violation._meta.label,
            object_id=str(v.pk),
            object_repr=f"{v} ({v.characteristic.name})"[:200],
            path=v.characteristic.hierarchy.path,
            old={"acknowledged_at": None, "reason_code": None, "comment": ""},
            new={
                "acknowledged_at": jsonable(v.acknowledged_at),
                "reason_code": reason.code,
                "comment": comment,
            },
            reason=comment,
        )
        for v in rows
    )


def _publish_acknowledged(
    char_ids: list[int], rows: list[tuple[int, int]], user: Any, reason: ReasonCode
) -> None:
    from spc.models import Characteristic, Sample

    if not char_ids:
        return
    chart_revisions.touch(char_ids)
    counts = open_counts(char_ids)
    chars = Characteristic.objects.filter(pk__in=char_ids).values_list("pk", "hierarchy__path")
    for char_id, path in chars:
        last = (
            Sample.objects.filter(characteristic_id=char_id)
            .order_by("-id")
            .values_list("timestamp", flat=True)
            .first()
        )
        events.publish(
            events.groups_for(char_id, path),
            {
                "type": events.VIOLATIONS_ACKNOWLEDGED,
                "characteristic_id": char_id,
                "violation_ids": [pk for pk, c in rows if c == char_id],
                "state": card_state(counts[char_id], last),
                "open_violations": counts[char_id],
                "acknowledged_by": getattr(user, "username", ""),
                "reason_code": reason.code,
            },
        )
