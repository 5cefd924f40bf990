"""Context builders and renderers for the live fragments (cards, badges, chart points,
violation rows, toasts).

A page includes each partial template; the WebSocket consumer renders the same template
from a channel-layer event alone (no database), with ``oob`` set so htmx swaps it by id.
Both paths build the template context here, so a live update looks exactly like a reload.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from spc.charts.figures import point_extension
from spc.charts.style import format_value, sparkline_points

STATE_LABELS = {
    "NO_DATA": "No recent data",
    "IN_CONTROL": "In control",
    "WARNING": "Warning",
    "CRITICAL": "Critical",
}
SPARK_WIDTH, SPARK_HEIGHT = 240, 64


@dataclass(frozen=True)
class LiveView:
    """What one open page shows: decides which fragments an event becomes."""

    char_id: int | None = None
    node_id: int | None = None
    area_id: int | None = None


def char_url(char_id: int) -> str:
    """The characteristic page's address (reversed once, then filled in)."""
    return _char_url_pattern().replace("/0/", f"/{char_id}/")


@cache
def _char_url_pattern() -> str:
    return reverse("spc:characteristic", args=[0])


def rule_name(rule: int) -> str:
    """The run rule's short description, e.g. 'one point beyond 3σ'."""
    from spc.core.rules import RULE_NAMES
    from spc.core.types import RuleId

    try:
        return RULE_NAMES[RuleId(int(rule))]
    except (KeyError, ValueError):
        return ""


def _as_datetime(value: datetime | str | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def ago(value: datetime | str | None, now: datetime | None = None) -> str:
    """'5 min ago' for a time, or 'never'."""
    stamp = _as_datetime(value)
    if stamp is None:
        return "never"
    seconds = max(0.0, ((now or timezone.now()) - stamp).total_seconds())
    # The same wording as static/js/live.js, which keeps the label current.
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} d ago"


def _bound(pick: Any, values: list[float | None] | None) -> str:
    present = [v for v in values or () if v is not None]
    return repr(pick(present)) if present else ""


def badge(badge_id: str, state: str, counts: Mapping[str, int] | None = None) -> dict[str, Any]:
    """Context of ``spc/partials/state_badge.html``."""
    counts = counts or {}
    open_total = int(counts.get("CRITICAL", 0)) + int(counts.get("WARNING", 0))
    return {
        "id": badge_id,
        "state": state,
        "label": STATE_LABELS.get(state, state),
        "open": open_total,
    }


def card(
    *,
    char: Mapping[str, Any],
    state: str,
    counts: Mapping[str, int],
    last: Mapping[str, Any] | None,
    spark: list[float | None] | None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Context of ``spc/partials/card.html``.

    ``char`` has id, name, unit, decimal_places; ``last`` the newest sample (id, value,
    timestamp) or None; ``spark`` the trend values oldest first (None: the browser keeps
    the sparkline it already draws and appends ``last``, mapping it through the series'
    low and high).
    """
    decimals = int(char.get("decimal_places") or 3)
    stamp = _as_datetime(last["timestamp"]) if last else None
    return {
        "id": char["id"],
        "name": char["name"],
        "unit": char.get("unit") or "",
        "url": char_url(char["id"]),
        "value": "" if not last or last.get("value") is None else repr(float(last["value"])),
        "value_display": format_value(last.get("value"), decimals) if last else "–",
        "sample_id": last["id"] if last else "",
        "timestamp": stamp.isoformat() if stamp else "",
        "ago": ago(stamp, now),
        "badge": badge(f"card-state-{char['id']}", state, counts),
        "spark_width": SPARK_WIDTH,
        "spark_height": SPARK_HEIGHT,
        **spark_context(spark),
    }


def spark_context(spark: list[float | None] | None) -> dict[str, str]:
    """The sparkline part of a card context (polyline points and the series' range)."""
    return {
        "spark_low": _bound(min, spark),
        "spark_high": _bound(max, spark),
        "spark_points": sparkline_points(spark or [], SPARK_WIDTH, SPARK_HEIGHT),
    }


class _HtmlCache:
    """A small thread-safe LRU of rendered HTML."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[Any, ...], SafeString] = OrderedDict()
        self.lock = threading.Lock()

    def has(self, key: tuple[Any, ...]) -> bool:
        with self.lock:
            return key in self.entries

    def get(self, key: tuple[Any, ...], render: Callable[[], SafeString]) -> SafeString:
        with self.lock:
            html = self.entries.get(key)
            if html is not None:
                self.entries.move_to_end(key)
                return html
        html = render()
        with self.lock:
            self.entries[key] = html
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return html


_cards = _HtmlCache(size=5000)


def _card_key(context: Mapping[str, Any], oob: bool) -> tuple[Any, ...]:
    # The sparkline is the newest values, so the newest sample id stands for it.
    return (
        oob,
        context["id"],
        context["name"],
        context["unit"],
        context["sample_id"],
        context["timestamp"],
        context["value_display"],
        context["badge"]["state"],
        context["badge"]["open"],
        context["ago"],
    )


def card_is_cached(context: Mapping[str, Any], *, oob: bool = False) -> bool:
    """True when ``render_card`` would not render (so the sparkline need not be read)."""
    return _cards.has(_card_key(context, oob))


def render_card(context: Mapping[str, Any], *, oob: bool = False) -> SafeString:
    """``spc/partials/card.html`` for a card context.

    A card changes only with its newest sample, state, open count or age label, so the
    rendered HTML is kept per those: twenty tablets reloading a dashboard of a thousand
    characteristics render each card once.
    """
    key = _card_key(context, oob)
    return _cards.get(
        key, lambda: mark_safe(_render("spc/partials/card.html", {"card": context, "oob": oob}))
    )


def violation_row(
    *,
    violation: Mapping[str, Any],
    char: Mapping[str, Any],
    sample: Mapping[str, Any],
    ack: Mapping[str, Any] | None = None,
    count: int = 1,
) -> dict[str, Any]:
    """Context of ``alerts/partials/violation_row.html`` (one episode's head violation)."""
    decimals = int(char.get("decimal_places") or 3)
    created = _as_datetime(violation.get("created_at") or sample.get("timestamp"))
    return {
        "id": violation["id"],
        "rule": violation["rule"],
        "rule_name": violation.get("rule_name") or rule_name(violation["rule"]),
        "severity": violation["severity"],
        "episode": violation.get("episode") or violation["id"],
        "count": count,
        "sample_id": sample["id"],
        "value_display": format_value(sample.get("value"), decimals),
        "created_at": created.isoformat() if created else "",
        "ago": ago(created),
        "char_id": char["id"],
        "char_name": char["name"],
        "char_url": char_url(char["id"]),
        "ack": ack,
    }


def ack_info(by: str, reason: str, at: datetime | str | None = None) -> dict[str, Any]:
    """Context of an acknowledgement shown in a violation row."""
    stamp = _as_datetime(at)
    return {"by": by, "reason": reason, "at": stamp.isoformat() if stamp else ""}


def toast(
    *, violation: Mapping[str, Any], char: Mapping[str, Any], sample: Mapping[str, Any]
) -> dict[str, Any]:
    """Context of ``alerts/partials/toast.html`` for a new violation."""
    decimals = int(char.get("decimal_places") or 3)
    return {
        "id": violation["id"],
        "severity": violation["severity"],
        "rule": violation["rule"],
        "rule_name": violation.get("rule_name") or rule_name(violation["rule"]),
        "char_name": char["name"],
        "char_url": char_url(char["id"]),
        "value_display": format_value(sample.get("value"), decimals),
    }


# --------------------------------------------------------------------- event renderers


def _render(template: str, context: dict[str, Any]) -> str:
    return render_to_string(template, context)


def _toasts(event: Mapping[str, Any]) -> list[str]:
    return [
        _render(
            "alerts/partials/toast.html",
            {
                "toast": toast(violation=v, char=event["characteristic"], sample=event["sample"]),
                "oob": True,
            },
        )
        for v in event.get("violations") or ()
    ]


def render_sample_processed(event: Mapping[str, Any], view: LiveView) -> str:
    """HTML of the out-of-band fragments a ``sample.processed`` event means for ``view``."""
    char = event["characteristic"]
    sample = event["sample"]
    counts = event.get("open_violations") or {}
    parts: list[str] = []
    if view.node_id is not None:
        context = card(char=char, state=event["state"], counts=counts, last=sample, spark=None)
        parts.append(render_card(context, oob=True))
    if view.char_id == char["id"]:
        extension = point_extension(char, sample, event.get("violations") or ())
        parts.append(
            _render(
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
            _render(
                "spc/partials/char_status.html",
                {"status": char_status(char, event["state"], counts, sample), "oob": True},
            )
        )
        for v in event.get("violations") or ():
            parts.append(_render_new_violation(v, char, sample))
    parts.extend(_toasts(event))
    return "".join(parts)


def _render_new_violation(
    violation: Mapping[str, Any], char: Mapping[str, Any], sample: Mapping[str, Any]
) -> str:
    """A new episode gets a row in the panel; a continuing episode updates its latest point."""
    episode = violation.get("episode") or violation["id"]
    if episode != violation["id"]:
        return _render(
            "alerts/partials/episode_latest.html",
            {
                "episode": episode,
                "sample_id": sample["id"],
                "value_display": format_value(
                    sample.get("value"), int(char.get("decimal_places") or 3)
                ),
                "oob": True,
            },
        )
    row = violation_row(violation=violation, char=char, sample=sample)
    return (
        f'<div hx-swap-oob="afterbegin:#violation-rows-{char["id"]}">'
        + _render("alerts/partials/violation_row.html", {"v": row, "panel": True})
        + "</div>"
    )


def char_status(
    char: Mapping[str, Any],
    state: str,
    counts: Mapping[str, int],
    last: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Context of ``spc/partials/char_status.html``: state, last value, time, open counts."""
    decimals = int(char.get("decimal_places") or 3)
    stamp = _as_datetime(last["timestamp"]) if last else None
    return {
        "char_id": char["id"],
        "badge": badge(f"char-state-{char['id']}", state, counts),
        "value_display": format_value(last.get("value"), decimals) if last else "–",
        "unit": char.get("unit") or "",
        "sample_id": last["id"] if last else "",
        "timestamp": stamp.isoformat() if stamp else "",
        "ago": ago(stamp),
        "critical": int(counts.get("CRITICAL", 0)),
        "warning": int(counts.get("WARNING", 0)),
    }


def render_violations_acknowledged(event: Mapping[str, Any], view: LiveView) -> str:
    """Acknowledged rows, the card's or page's state badge, for every open screen."""
    char_id = event["characteristic_id"]
    counts = event.get("open_violations") or {}
    ack = ack_info(event.get("acknowledged_by", ""), event.get("reason_code", ""))
    parts = [
        _render("alerts/partials/violation_ack.html", {"vid": vid, "ack": ack, "oob": True})
        for vid in event.get("violation_ids") or ()
    ]
    if view.node_id is not None:
        context = badge(f"card-state-{char_id}", event["state"], counts)
        parts.append(_render("spc/partials/state_badge.html", {"badge": context, "oob": True}))
    if view.char_id == char_id:
        context = badge(f"char-state-{char_id}", event["state"], counts)
        parts.append(_render("spc/partials/state_badge.html", {"badge": context, "oob": True}))
    return "".join(parts)


def render_limits_changed(event: Mapping[str, Any], view: LiveView) -> str:
    """Tell the chart page to re-fetch its figure and panels (limits or exclusions changed)."""
    char_id = event["characteristic_id"]
    if view.char_id != char_id:
        return ""
    return (
        f'<div id="chart-feed-{char_id}" hx-swap-oob="beforeend">'
        '<div class="chart-reload"></div></div>'
    )


def acknowledged_rows(violation_ids: Iterable[int], ack: Mapping[str, Any]) -> SafeString:
    """The acknowledged cells for an HTTP response (same fragment the socket sends)."""
    return mark_safe(
        "".join(
            _render("alerts/partials/violation_ack.html", {"vid": vid, "ack": ack, "oob": True})
            for vid in violation_ids
        )
    )
