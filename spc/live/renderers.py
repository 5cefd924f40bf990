"""The fragments a channel-layer event becomes for one open page (sent by the live consumer).

Each renderer builds its contexts with ``spc.live.fragments`` (the same builders the pages
use) and renders the partial templates with ``oob`` set, so htmx swaps them by id.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from spc.charts.figures import point_extension
from spc.charts.style import reading
from spc.core.types import Severity
from spc.live.fragments import (
    TREE_PULSE,
    LiveView,
    ack_info,
    badge,
    card,
    char_status,
    render_card,
    render_partial,
    toast,
    violation_row,
)

INFORMATIONAL = Severity.INFORMATIONAL.value


def _needs_ack(violation: Mapping[str, Any]) -> bool:
    """INFORMATIONAL violations are on the chart but raise no toast and no open row."""
    return violation.get("severity") != INFORMATIONAL


def _toasts(event: Mapping[str, Any]) -> list[str]:
    return [
        render_partial(
            "alerts/partials/toast.html",
            {
                "toast": toast(violation=v, char=event["characteristic"], sample=event["sample"]),
                "oob": True,
            },
        )
        for v in event.get("violations") or ()
        if _needs_ack(v)
    ]


def render_sample_processed(event: Mapping[str, Any], view: LiveView) -> str:
    """HTML of the out-of-band fragments a ``sample.processed`` event means for ``view``."""
    if view.tree_ids:
        return TREE_PULSE
    char = event["characteristic"]
    sample = event["sample"]
    counts = event.get("open_violations") or {}
    parts: list[str] = []
    if view.node_id is not None:
        context = card(char=char, state=event["state"], counts=counts, last=sample, spark=None)
        parts.append(render_card(context, oob=True))
    if view.char_id == char["id"]:
        point = {**sample, "secondary_limits": char.get("secondary_limits")}
        extension = point_extension(char, point, event.get("violations") or ())
        parts.append(
            render_partial(
                "spc/partials/chart_point.html",
                {
                    "char_id": char["id"],
                    "sample_id": sample["id"],
                    "extension": json.dumps(extension),
                    "oob": True,
                },
            )
        )
        parts.append(
            render_partial(
                "spc/partials/char_status.html",
                {"status": char_status(char, event["state"], counts, sample), "oob": True},
            )
        )
        for v in event.get("violations") or ():
            if _needs_ack(v):
                parts.append(_render_new_violation(v, char, sample))
    parts.extend(_toasts(event))
    return "".join(parts)


def _render_new_violation(
    violation: Mapping[str, Any], char: Mapping[str, Any], sample: Mapping[str, Any]
) -> str:
    """A new episode gets a row in the panel; a continuing episode updates its latest point."""
    episode = violation.get("episode") or violation["id"]
    if episode != violation["id"]:
        return render_partial(
            "alerts/partials/episode_latest.html",
            {
                "episode": episode,
                "sample_id": sample["id"],
                "value_display": reading(char, sample)["text"],
                "oob": True,
            },
        )
    row = violation_row(violation=violation, char=char, sample=sample)
    return (
        f'<div hx-swap-oob="afterbegin:#violation-rows-{char["id"]}">'
        + render_partial("alerts/partials/violation_row.html", {"v": row, "panel": True})
        + "</div>"
    )


def render_violations_acknowledged(event: Mapping[str, Any], view: LiveView) -> str:
    """Acknowledged rows, the card's or page's state badge, for every open screen."""
    if view.tree_ids:
        return TREE_PULSE
    char_id = event["characteristic_id"]
    counts = event.get("open_violations") or {}
    ack = ack_info(event.get("acknowledged_by", ""), event.get("reason_code", ""))
    parts = [
        render_partial("alerts/partials/violation_ack.html", {"vid": vid, "ack": ack, "oob": True})
        for vid in event.get("violation_ids") or ()
    ]
    if view.node_id is not None:
        context = badge(f"card-state-{char_id}", event["state"], counts)
        parts.append(
            render_partial("spc/partials/state_badge.html", {"badge": context, "oob": True})
        )
    if view.char_id == char_id:
        context = badge(f"char-state-{char_id}", event["state"], counts)
        parts.append(
            render_partial("spc/partials/state_badge.html", {"badge": context, "oob": True})
        )
    return "".join(parts)


def render_limits_changed(event: Mapping[str, Any], view: LiveView) -> str:
    """Tell the chart page to re-fetch its figure and panels (limits or exclusions changed)."""
    if view.tree_ids:
        return TREE_PULSE
    char_id = event["characteristic_id"]
    if view.char_id != char_id:
        return ""
    return (
        f'<div id="chart-feed-{char_id}" hx-swap-oob="beforeend">'
        '<div class="chart-reload"></div></div>'
    )
