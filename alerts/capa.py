"""Corrective actions: opening one from a violation, moving it on, and what needs one.

Every write goes through here (pages, API, admin forms share the rules) and is recorded in
the audit trail by ``AUDIT_CONFIG_MODELS`` (old and new values). An acknowledgement of a
violation matched by an active :class:`CorrectiveActionRequirement` is refused until an
action covers the violation's episode (:func:`missing_actions`, called by
``alerts.services.acknowledge``).
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from alerts.corrective_actions import CorrectiveAction, CorrectiveActionRequirement
from alerts.models import ReasonCode, Violation
from spc.core.errors import InputError

Status = CorrectiveAction.Status
TITLE_MAX = 200
#: Where each status may go next (a closed action stays closed).
NEXT_STATUS: dict[str, tuple[str, ...]] = {
    Status.OPEN: (Status.IN_PROGRESS, Status.VERIFIED, Status.CLOSED),
    Status.IN_PROGRESS: (Status.OPEN, Status.VERIFIED, Status.CLOSED),
    Status.VERIFIED: (Status.IN_PROGRESS, Status.CLOSED),
    Status.CLOSED: (),
}


def episode_of(violation: Violation) -> int:
    """The episode key of a violation: its episode's first violation id (or its own)."""
    return int(violation.episode or violation.pk)


def check_due_date(due: date | None) -> date:
    """The due date, refused when missing or in the past (field ``due_date``)."""
    if due is None:
        raise InputError("due_date", "Set a due date.")
    if due < timezone.localdate():
        raise InputError("due_date", "The due date is in the past.")
    return due


def _owner(owner: Any) -> Any:
    user_model = get_user_model()
    found: Any = owner if isinstance(owner, user_model) else None
    owner_id = _int_or_none(owner) if found is None else None
    if owner_id is not None:
        found = user_model._default_manager.filter(pk=owner_id).first()
    if found is None or not found.is_active:
        raise InputError("owner", "Choose an active user as the owner.")
    return found


def _cause(cause: Any) -> ReasonCode | None:
    if cause in (None, ""):
        return None
    if isinstance(cause, ReasonCode):
        return cause
    cause_id = _int_or_none(cause)
    by_id = Q(pk=cause_id) if cause_id is not None else Q(pk__in=[])
    found = ReasonCode.objects.filter(Q(code=str(cause)) | by_id).first()
    if found is None:
        raise InputError("cause", "Unknown reason code.")
    return found


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def open_action(
    violation: Violation,
    *,
    user: Any,
    title: str,
    owner: Any,
    due_date: date | None,
    description: str = "",
    cause: Any = None,
) -> CorrectiveAction:
    """Open a corrective action for ``violation``'s episode (validated, then audited)."""
    title = (title or "").strip()
    if not title:
        raise InputError("title", "Say what is to be done.")
    if len(title) > TITLE_MAX:
        raise InputError("title", f"At most {TITLE_MAX} characters.")
    return CorrectiveAction.objects.create(
        violation=violation,
        characteristic_id=violation.characteristic_id,
        episode=episode_of(violation),
        title=title,
        description=(description or "").strip(),
        cause=_cause(cause),
        owner=_owner(owner),
        due_date=check_due_date(due_date),
        created_by=user if getattr(user, "pk", None) else None,
    )


def update_action(action: CorrectiveAction, **changes: Any) -> CorrectiveAction:
    """Change status, owner, due date, cause, title or description (validated, audited).
    A closed action is not changed any more; closing stamps ``closed_at``."""
    if action.status == Status.CLOSED:
        raise InputError("status", "A closed action is not changed any more.")
    status = changes.get("status")
    if status is not None and status != action.status:
        if status not in NEXT_STATUS.get(action.status, ()):
            raise InputError("status", f"An action cannot go from {action.status} to {status}.")
        action.status = status
        if status == Status.CLOSED:
            action.closed_at = timezone.now()
    if "owner" in changes and changes["owner"] is not None:
        action.owner = _owner(changes["owner"])
    if "due_date" in changes and changes["due_date"] != action.due_date:
        action.due_date = check_due_date(changes["due_date"])
    if "cause" in changes:
        action.cause = _cause(changes["cause"])
    for name in ("title", "description"):
        if changes.get(name) is not None:
            setattr(action, name, str(changes[name]).strip())
    if not action.title:
        raise InputError("title", "Say what is to be done.")
    action.save()
    return action


def required_for(violation: Violation, requirements: Iterable[CorrectiveActionRequirement]) -> bool:
    """True when one of ``requirements`` asks for an action on ``violation``."""
    return any(
        r.matches(violation.rule, violation.severity, violation.characteristic_id)
        for r in requirements
    )


def missing_actions(violation_ids: Iterable[int]) -> list[Violation]:
    """The violations among ``violation_ids`` that need a corrective action before being
    acknowledged and have none for their episode."""
    requirements = list(CorrectiveActionRequirement.objects.filter(active=True))
    if not requirements:
        return []
    violations = list(Violation.objects.filter(pk__in=list(violation_ids)))
    needing = [v for v in violations if required_for(v, requirements)]
    if not needing:
        return []
    covered = set(
        CorrectiveAction.objects.filter(
            characteristic_id__in={v.characteristic_id for v in needing},
            episode__in={episode_of(v) for v in needing},
        ).values_list("characteristic_id", "episode")
    )
    return [v for v in needing if (v.characteristic_id, episode_of(v)) not in covered]


def check_actions_opened(violation_ids: Iterable[int]) -> None:
    """Refuse (``InputError`` on ``corrective_action``) when a violation to acknowledge
    needs a corrective action that is not open yet."""
    missing = missing_actions(violation_ids)
    if missing:
        names = ", ".join(f"#{v.pk} (rule {v.rule})" for v in missing[:10])
        raise InputError(
            "corrective_action",
            f"Open a corrective action before acknowledging violation {names}: "
            "its rule or severity requires one.",
        )


def overdue_q(today: date | None = None) -> Q:
    """Actions not verified or closed whose due date has passed."""
    return Q(due_date__lt=today or timezone.localdate()) & ~Q(
        status__in=[Status.VERIFIED, Status.CLOSED]
    )


def pareto_by_cause(actions: QuerySet[CorrectiveAction]) -> list[tuple[str, int, float]]:
    """(cause, count, cumulative %) by falling count; actions without a cause as "No cause"."""
    counts = Counter(
        desc or "No cause"
        for desc in actions.order_by().values_list("cause__description", flat=True)
    )
    total = sum(counts.values())
    rows, running = [], 0
    for cause, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        running += n
        rows.append((cause, n, round(100.0 * running / total, 1)))
    return rows


CSV_HEADER = [
    "id",
    "title",
    "status",
    "owner",
    "due_date",
    "overdue",
    "characteristic",
    "violation",
    "rule",
    "episode",
    "cause",
    "created_by",
    "created_at",
    "closed_at",
    "description",
]


def _safe(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def csv_rows(actions: Iterable[CorrectiveAction]) -> Iterator[list[str]]:
    """The header, then one row per action (user text defused for spreadsheets)."""
    yield CSV_HEADER
    today = timezone.localdate()
    for a in actions:
        yield [
            str(a.pk),
            _safe(a.title),
            a.status,
            a.owner.get_username(),
            a.due_date.isoformat(),
            "yes" if a.is_overdue(today) else "no",
            _safe(a.characteristic.name),
            str(a.violation_id),
            str(a.violation.rule),
            str(a.episode),
            _safe(a.cause.code) if a.cause else "",
            a.created_by.get_username() if a.created_by else "",
            a.created_at.isoformat(),
            a.closed_at.isoformat() if a.closed_at else "",
            _safe(a.description),
        ]


def write_csv(actions: Iterable[CorrectiveAction], out: Any) -> None:
    """Write the actions as CSV to the file-like ``out``."""
    writer = csv.writer(out)
    for row in csv_rows(actions):
        writer.writerow(row)
