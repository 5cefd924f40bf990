"""Live T² updates: the channel-layer group of a multivariate group's pages, the events
sent to it (through ``spc.pipeline.events``, the one sender) and the WebSocket consumer
that renders them into the same out-of-band fragments the characteristic pages use
(``static/js/live.js`` appends a ``chart-point`` to the Plotly chart, reloads it on a
``chart-reload``).

Events (plain JSON): ``multivariate.point`` (handler ``multivariate_point``) ``{"type",
"group_id", "point": {id, timestamp, t2, ucl, signal, phase, in_baseline,
top_contributors, contributions}}`` and ``multivariate.reload`` ``{"type", "group_id"}``
after limits were calculated. A page connects to ``/ws/multivariate/?group=<id>``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.template.loader import render_to_string

from hierarchy.roles import OPERATOR, has_role
from hierarchy.scoping import scope_queryset
from spc.live.client_messages import PONG, read_client_message
from spc.pipeline import events

POINT = "multivariate.point"
RELOAD = "multivariate.reload"
CATCH_UP_LIMIT = 200
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


def group_channel(group_id: int) -> str:
    """Channel-layer group of everyone watching one multivariate group's page."""
    return f"mvgroup.{group_id}"


def point_payload(point: Any) -> dict[str, Any]:
    """A stored ``T2Point`` as plain JSON."""
    return {
        "id": point.pk,
        "timestamp": point.timestamp.isoformat(),
        "t2": point.t2,
        "ucl": point.ucl,
        "signal": point.signal,
        "phase": point.phase,
        "in_baseline": point.in_baseline,
        "top_contributors": list(point.top_contributors),
        "contributions": list(point.contributions),
    }


def publish_point(group: Any, point: Any) -> None:
    """Send a new point to the group's pages (after the current transaction commits)."""
    event = {"type": POINT, "group_id": group.pk, "point": point_payload(point)}
    events.publish([group_channel(group.pk)], event)


def publish_reload(group_id: int) -> None:
    """Tell the group's pages to re-fetch their chart and table (limits changed)."""
    events.publish([group_channel(group_id)], {"type": RELOAD, "group_id": group_id})


def render_point(event: dict[str, Any]) -> list[str]:
    """The out-of-band frames of one new point: the table row (a frame of its own that
    starts with ``<tbody>``: HTML parses table rows only in a table context), then the chart
    extension and the signal."""
    point = event["point"]
    x = [point["timestamp"]]
    extension = {
        "value": {"x": x, "y": [point["t2"]]},
        "ucl": {"x": x, "y": [point["ucl"]]},
        "signals": {"x": x, "y": [point["t2"] if point["signal"] else None]},
    }
    context = {"group_id": event["group_id"], "point": point, "extension": json.dumps(extension)}
    return [
        render_to_string("multivariate/partials/live_row.html", context),
        render_to_string("multivariate/partials/live_point.html", context),
    ]


def render_reload(event: dict[str, Any]) -> str:
    """A chart-reload marker: the page re-fetches its figure and its table."""
    return (
        f'<div id="t2-feed-{int(event["group_id"])}" hx-swap-oob="beforeend">'
        '<div class="chart-reload"></div></div>'
    )


def _may_watch(user: Any, group_id: int) -> bool:
    from multivariate.models import MultivariateGroup

    qs = MultivariateGroup.objects.filter(pk=group_id)
    return has_role(user, OPERATOR) and scope_queryset(qs, user, "hierarchy__path").exists()


def _missed(group_id: int, last_id: int) -> list[dict[str, Any]]:
    from multivariate.models import T2Point

    rows = T2Point.objects.filter(group_id=group_id, id__gt=last_id).order_by("-id")
    return [
        {"type": POINT, "group_id": group_id, "point": point_payload(p)}
        for p in reversed(rows[:CATCH_UP_LIMIT])
    ]


class GroupConsumer(AsyncWebsocketConsumer):
    """Pushes one multivariate group page's live fragments; answers pings and catch-up."""

    group_id: int | None = None

    async def connect(self) -> None:
        """Accept a signed-in user who may see the group; refuse anyone else."""
        events.bind_loop(asyncio.get_running_loop())
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        params = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        try:
            group_id = int(params["group"][0])
        except (KeyError, IndexError, ValueError):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        if not await database_sync_to_async(_may_watch)(user, group_id):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group_id = group_id
        await self.channel_layer.group_add(group_channel(group_id), self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        """Leave the group."""
        if self.group_id is not None:
            await self.channel_layer.group_discard(group_channel(self.group_id), self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """``ping`` → ``pong``; ``catch_up`` replays the points stored after the page's newest."""
        message = read_client_message(text_data)
        if message is None or self.group_id is None:
            return
        if message.kind == "ping":
            await self.send(text_data=PONG)
        else:
            for event in await database_sync_to_async(_missed)(self.group_id, message.last_id):
                await self.multivariate_point(event)

    async def multivariate_point(self, event: dict[str, Any]) -> None:
        """A new T² point: rendered from the event alone (no database)."""
        for frame in render_point(event):
            await self.send(text_data=frame)

    async def multivariate_reload(self, event: dict[str, Any]) -> None:
        """Limits were calculated: the page re-fetches chart and table."""
        await self.send(text_data=render_reload(event))
