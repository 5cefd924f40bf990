"""Context builders and renderers for the live fragments (cards, badges, chart points,
violation rows, toasts).

A page includes each partial template; the WebSocket consumer renders the same template
from a channel-layer event alone (no database), with ``oob`` set so htmx swaps it by id.
Both paths build the template context here, so a live update looks exactly like a reload.
"""

from __future__ import annotations

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
from django.utils.translation import get_language, gettext_lazy

from spc.charts.style import reading, sparkline_points

STATE_LABELS = {
    "NO_DATA": gettext_lazy("No recent data"),
    "IN_CONTROL": gettext_lazy("In control"),
    "WARNING": gettext_lazy("Warning"),
    "CRITICAL": gettext_lazy("Critical"),
}
SPARK_WIDTH, SPARK_HEIGHT = 240, 64


def char_fields(char: Any) -> dict[str, Any]:
    """What labelling a reading needs of a characteristic (a model instance)."""
    return {
        "id": char.pk,
        "name": char.name,
        "chart_type": char.chart_type,
        "subgroup_mode": char.subgroup_mode,
        "unit": char.unit,
        "decimal_places": char.decimal_places,
    }


def sample_fields(sample: Any) -> dict[str, Any]:
    """What labelling a reading needs of a stored sample (a model instance)."""
    return {
        "id": sample.pk,
        "value": sample.value,
        "z": sample.z_score,
        "center_line": sample.center_line,
        "secondary_value": sample.secondary_value,
        "n": sample.actual_n,
        "mean": sample.mean,
        "count": sample.count,
        "sample_size": sample.sample_size,
    }


@dataclass(frozen=True)
class LiveView:
    """What one open page shows: decides which fragments an event becomes."""

    char_id: int | None = None
    node_id: int | None = None
    area_id: int | None = None
    #: Roots of a plant tree page (the home page): an event below them sends only
    #: :data:`TREE_PULSE`, and the page re-reads its rolled-up statuses over HTTP.
    tree_ids: tuple[int, ...] = ()


#: The fragment a plant tree page gets for any event below it (``spc/home.html``).
TREE_PULSE = '<span id="tree-pulse" hidden hx-swap-oob="true"></span>'


def char_url(char_id: int) -> str:
    """The characteristic page's address (reversed once, then filled in)."""
    return _char_url_pattern().replace("/0/", f"/{char_id}/")


@cache
def _char_url_pattern() -> str:
    return reverse("spc:characteristic", args=[0])


def rule_name(rule: int, chart_type: str | None = None) -> str:
    """The rule's text with its default parameters, e.g. '1 point beyond 3σ', or 'MR beyond
    its control limits' for rule 101 of an I-MR chart (a row or toast whose event carries
    no ``rule_name`` of the configured rule)."""
    from spc.core.rule_texts import rule_text

    return rule_text(rule, None, chart_type)


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
        "label": str(STATE_LABELS.get(state, state)),
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

    ``char`` has id, name, unit, decimal_places, chart_type, subgroup_mode; ``last`` the
    newest sample (id, timestamp, value, z, center_line, secondary_value, n and its mean or
    count and sample size) or None. The card shows what was measured in its unit and the
    plotted statistic with its label (``spc.charts.style.reading``). ``spark`` is the trend
    of the measurements oldest first (None: the browser keeps the sparkline it already
    draws and appends ``last``'s, mapping it through the series' low and high).
    """
    stamp = _as_datetime(last["timestamp"]) if last else None
    shown = reading(char, last)
    return {
        "id": char["id"],
        "name": char["name"],
        "unit": shown["unit"],
        "url": char_url(char["id"]),
        "value": "" if shown["number"] is None else repr(float(shown["number"])),
        "value_label": shown["label"],
        "value_display": shown["value"],
        "statistic": shown["statistic"],
        # With the newest sample's id, what its reading depends on (the cache key).
        "kind": (char.get("chart_type"), char.get("subgroup_mode"), char.get("decimal_places")),
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
    # The sparkline and the reading are the newest sample's, so its id stands for them;
    # the page's language (words, number format) and time zone are in the HTML too.
    return (
        get_language(),
        timezone.get_current_timezone_name(),
        oob,
        context["id"],
        context["name"],
        context["unit"],
        context["sample_id"],
        context["timestamp"],
        context["kind"],
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
        key,
        lambda: mark_safe(render_partial("spc/partials/card.html", {"card": context, "oob": oob})),
    )


def violation_row(
    *,
    violation: Mapping[str, Any],
    char: Mapping[str, Any],
    sample: Mapping[str, Any],
    ack: Mapping[str, Any] | None = None,
    count: int = 1,
) -> dict[str, Any]:
    """Context of ``alerts/partials/violation_row.html`` (one episode's head violation).

    ``sample`` has the fields ``spc.charts.style.reading`` reads (see ``sample_fields``),
    ``char`` id, name and those of ``char_fields``.
    """
    created = _as_datetime(violation.get("created_at") or sample.get("timestamp"))
    return {
        "id": violation["id"],
        "rule": violation["rule"],
        "rule_name": violation.get("rule_name")
        or rule_name(violation["rule"], char.get("chart_type")),
        "severity": violation["severity"],
        "episode": violation.get("episode") or violation["id"],
        "count": count,
        "sample_id": sample["id"],
        "value_display": reading(char, sample)["text"],
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
    return {
        "id": violation["id"],
        "severity": violation["severity"],
        "rule": violation["rule"],
        "rule_name": violation.get("rule_name")
        or rule_name(violation["rule"], char.get("chart_type")),
        "char_name": char["name"],
        "char_url": char_url(char["id"]),
        "value_display": reading(char, sample)["text"],
    }


# ---------------------------------------------------------------- rendering helpers


def render_partial(template: str, context: dict[str, Any]) -> str:
    """A partial template rendered with ``context``."""
    return render_to_string(template, context)


def char_status(
    char: Mapping[str, Any],
    state: str,
    counts: Mapping[str, int],
    last: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Context of ``spc/partials/char_status.html``: state, last measurement and plotted
    statistic (labelled), time, open counts."""
    stamp = _as_datetime(last["timestamp"]) if last else None
    shown = reading(char, last)
    return {
        "char_id": char["id"],
        "badge": badge(f"char-state-{char['id']}", state, counts),
        "value_display": shown["measured"],
        "statistic": shown["statistic"],
        "unit": shown["unit"],
        "sample_id": last["id"] if last else "",
        "timestamp": stamp.isoformat() if stamp else "",
        "ago": ago(stamp),
        "critical": int(counts.get("CRITICAL", 0)),
        "warning": int(counts.get("WARNING", 0)),
    }


def acknowledged_rows(violation_ids: Iterable[int], ack: Mapping[str, Any]) -> SafeString:
    """The acknowledged cells for an HTTP response (same fragment the socket sends)."""
    return mark_safe(
        "".join(
            render_partial(
                "alerts/partials/violation_ack.html", {"vid": vid, "ack": ack, "oob": True}
            )
            for vid in violation_ids
        )
    )
