"""The sampling-schedule fragments: the "due"/"overdue" badge and the overdue toast.

The dashboard card (``card-sampling-<id>``) and the characteristic page's status line
(``char-sampling-<id>``) include ``spc/partials/sampling_badge.html``; the live consumer
renders the same template, and ``spc/partials/sampling_toast.html``, from a
``sampling.overdue`` event alone (no database). A characteristic that is on schedule (or
has none) keeps an empty, hidden badge so an out-of-band swap has a target; a fragment
re-rendered for a new sample carries no schedule and so clears the badge, which is right
because the new sample restarts the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.template.loader import render_to_string

from spc.jobs.schedule import SamplingState, SamplingStatus
from spc.live.fragments import TREE_PULSE, LiveView, char_url

LABELS = {SamplingState.DUE.value: "Due", SamplingState.OVERDUE.value: "Overdue"}


def _as_datetime(value: object) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def sampling_badge(status: SamplingStatus | Mapping[str, Any] | None) -> dict[str, Any]:
    """Context (``sampling``) of ``spc/partials/sampling_badge.html``.

    ``status`` is a ``SamplingStatus`` or its ``as_dict()`` (as an event carries it). Only
    DUE and OVERDUE get a label; anything else renders the hidden placeholder (with an
    empty ``data-sampling``).
    """
    if status is None:
        return {"state": "", "label": ""}
    data = status.as_dict() if isinstance(status, SamplingStatus) else status
    label = LABELS.get(str(data.get("state")), "")
    return {
        # Only a shown state is named: a cached card cannot tell OK from no schedule.
        "state": str(data["state"]) if label else "",
        "label": label,
        "due_at": _as_datetime(data.get("due_at")),
        "overdue_at": _as_datetime(data.get("overdue_at")),
    }


def needs_badge(status: SamplingStatus | None) -> bool:
    """True when a characteristic's schedule state is shown (DUE or OVERDUE)."""
    return status is not None and status.state.value in LABELS


def render_sampling_overdue(event: Mapping[str, Any], view: LiveView) -> str:
    """HTML of the out-of-band fragments a ``sampling.overdue`` event means for ``view``:
    the card's badge on a dashboard, the status badge on the characteristic's page, and a
    toast on every page that receives it."""
    if view.tree_ids:
        return TREE_PULSE
    char_id = int(event["characteristic_id"])
    sampling = sampling_badge(event)
    parts: list[str] = []
    if view.node_id is not None:
        parts.append(_badge_html("card", char_id, sampling))
    if view.char_id == char_id:
        parts.append(_badge_html("char", char_id, sampling))
    since = sampling["overdue_at"]
    toast = {
        # One toast per overdue episode: a later episode of the same characteristic is new.
        "id": f"overdue-{char_id}-{int(since.timestamp()) if since else 0}",
        "char_name": event.get("name") or "",
        "char_url": char_url(char_id),
        "since": since,
    }
    parts.append(
        render_to_string("spc/partials/sampling_toast.html", {"toast": toast, "oob": True})
    )
    return "".join(parts)


def _badge_html(prefix: str, char_id: int, sampling: Mapping[str, Any]) -> str:
    return render_to_string(
        "spc/partials/sampling_badge.html",
        {"prefix": prefix, "char_id": char_id, "sampling": sampling, "oob": True},
    )
