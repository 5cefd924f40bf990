"""The live WebSocket consumer: one per open page, HTML fragments out, pings and catch-up in.

A page connects to ``/ws/live/?char=<id>`` (characteristic page), ``?node=<id>``
(dashboard), plus ``&area=<id>`` (the operator's area, for toasts), or ``?tree=<id>`` (the
plant tree, once per root it shows: it gets only a pulse and re-reads its statuses over
HTTP, since a rolled-up status needs the database). The consumer joins the
groups ``spc.pipeline.events`` names for those, and renders each channel-layer event into the
out-of-band fragments the page includes (``spc.live.fragments``), sent as one text frame.
An event reaching it through several groups (a characteristic inside the area) is sent
once.

Client messages are JSON: ``{"type": "ping"}`` is answered with ``{"type": "pong"}``;
``{"type": "catch_up", "last_sample_id": n}`` replays the samples stored after ``n`` in
what the page shows (the channel layer keeps no history, so a reconnecting page would
otherwise miss them). Catch-up is the only database access and runs in a thread.

Flood control (the specification's WebSocket risk notes):

- **coalescing**: fragments are not sent per event but gathered for
  ``OPENSPC_LIVE_COALESCE_MS`` (100 ms) and sent as one frame (``spc.live.coalesce``):
  superseded cards and badges collapse to the newest, every chart point, violation row
  and toast is kept. A burst of 1,000 samples is about ten frames a second per page.
- **a cap per user**: at most ``OPENSPC_LIVE_CONNECTIONS_PER_USER`` (5) open sockets per
  user in this server process; the next page is accepted only to be told so
  (``{"type": "refused", "reason": "too_many_pages", "message": ...}``) and closed
  with 4429, which the page shows and does not retry.
- **heartbeat**: the page pings every N = ``OPENSPC_LIVE_HEARTBEAT_SECONDS`` (20 s,
  ``PING_EVERY_MS`` in ``static/js/live.js``); a socket that sends nothing for 2.5 N is
  closed with 4408 (a tablet that went away without closing its socket).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from hierarchy.roles import OPERATOR, has_role
from hierarchy.scoping import scope_queryset, visible_nodes
from openspc import metrics
from spc.live.client_messages import PONG, read_client_message
from spc.live.coalesce import FrameBuffer
from spc.live.fragments import LiveView
from spc.live.renderers import (
    render_limits_changed,
    render_sample_processed,
    render_violations_acknowledged,
)
from spc.live.sampling import render_sampling_overdue
from spc.pipeline import events

logger = logging.getLogger(__name__)

CATCH_UP_LIMIT = 200
SEEN_EVENTS = 1024
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_STALE = 4408
CLOSE_TOO_MANY = 4429
HEARTBEAT_GRACE = 2.5
TOO_MANY_MESSAGE = (
    "Live updates are off on this page: you have {limit} pages with live updates open. "
    "Close one of them and reload this page."
)
#: Accepted sockets per user id in this process (the per-user cap).
open_sockets: Counter[int] = Counter()
LIMITS_DEDUP_SECONDS = 1.0
MAX_TREE_ROOTS = 8


class RenderCache:
    """Fragments rendered for one (event, page view), shared by every consumer in the process.

    Fifty tablets showing the same chart get the same frame: it is rendered once.
    """

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[Any, ...], str] = OrderedDict()

    def get(self, key: tuple[Any, ...], render: Callable[[], str]) -> str:
        """The cached HTML for ``key``, rendering it on a miss."""
        html = self.entries.get(key)
        if html is None:
            html = render()
            self.entries[key] = html
            if len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return html


render_cache = RenderCache()


def _event_key(event: dict[str, Any]) -> str:
    """The whole event as a cache key: the fragments depend on nothing else but the view."""
    return json.dumps(event, sort_keys=True, default=str)


def _int_param(params: dict[str, list[str]], name: str) -> int | None:
    try:
        return int(params[name][0])
    except (KeyError, IndexError, ValueError):
        return None


def view_of(query_string: bytes) -> LiveView:
    """What the page shows, from the socket's query string."""
    params = parse_qs(query_string.decode("latin-1"))
    trees = [int(v) for v in params.get("tree", []) if v.isdigit()]
    return LiveView(
        char_id=_int_param(params, "char"),
        node_id=_int_param(params, "node"),
        area_id=_int_param(params, "area"),
        tree_ids=tuple(dict.fromkeys(trees))[:MAX_TREE_ROOTS],
    )


def may_watch(user: Any, view: LiveView) -> bool:
    """True when the user has a role and every characteristic and node of the page lies in
    their sites (a socket for anything else is refused, not filtered)."""
    from spc.models import Characteristic

    if not has_role(user, OPERATOR):
        return False
    if view.char_id is not None:
        chars = scope_queryset(Characteristic.objects.filter(pk=view.char_id), user)
        if not chars.exists():
            return False
    for node_id in (view.node_id, view.area_id, *view.tree_ids):
        if node_id is not None and not visible_nodes(user).filter(pk=node_id).exists():
            return False
    return True


def groups_of(view: LiveView) -> list[str]:
    """The channel-layer groups a page with ``view`` listens to."""
    groups = []
    if view.char_id is not None:
        groups.append(events.char_group(view.char_id))
    for node_id in (view.node_id, view.area_id, *view.tree_ids):
        if node_id is not None and events.node_group(node_id) not in groups:
            groups.append(events.node_group(node_id))
    return groups


def missed_events(view: LiveView, last_sample_id: int) -> list[dict[str, Any]]:
    """``sample.processed`` events for the samples stored after ``last_sample_id`` in what
    the page shows, oldest first (state and counts as they are now)."""
    from hierarchy.models import Node
    from spc.models import Characteristic, Sample
    from spc.pipeline.processing import build_event

    scope = Sample.objects.none()
    if view.char_id is not None:
        scope = scope | Sample.objects.filter(characteristic_id=view.char_id)
    for node_id in (view.node_id, view.area_id):
        node = Node.objects.filter(pk=node_id).first() if node_id is not None else None
        if node is not None:
            scope = scope | Sample.objects.filter(
                characteristic__hierarchy__path__startswith=node.path
            )
    samples = list(
        scope.filter(id__gt=last_sample_id)
        .order_by("-id")
        .prefetch_related("measurements", "violations")[:CATCH_UP_LIMIT]
    )
    chars = Characteristic.objects.in_bulk({s.characteristic_id for s in samples})
    return [
        build_event(chars[s.characteristic_id], s, list(s.violations.order_by("rule")))
        for s in reversed(samples)
    ]


class LiveConsumer(AsyncWebsocketConsumer):
    """Pushes a page's live fragments; see the module docstring."""

    view: LiveView
    joined: list[str]

    async def connect(self) -> None:
        """Accept an authenticated session and join the page's groups; refuse anyone else."""
        events.bind_loop(asyncio.get_running_loop())  # sends from threads come through it
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.view = view_of(self.scope.get("query_string", b""))
        if not await database_sync_to_async(may_watch)(user, self.view):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        limit = settings.OPENSPC_LIVE_CONNECTIONS_PER_USER
        if open_sockets[user.pk] >= limit:
            await self.accept()
            refusal = {"type": "refused", "reason": "too_many_pages", "limit": limit}
            refusal["message"] = TOO_MANY_MESSAGE.format(limit=limit)
            await self.send(text_data=json.dumps(refusal))
            await self.close(code=CLOSE_TOO_MANY)
            return
        self.user_id = user.pk
        open_sockets[user.pk] += 1
        self.joined = groups_of(self.view)
        self.seen: deque[tuple[Any, ...]] = deque(maxlen=SEEN_EVENTS)
        self.limits_seen: dict[tuple[str, int], float] = {}
        self.buffer = FrameBuffer()
        self.pending: list[Callable[[], str]] = []
        self.flush_task: asyncio.Task[None] | None = None
        self.alive = asyncio.Event()
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        self.counted = True
        metrics.websocket_connected()
        self.watchdog = asyncio.create_task(self._watch_heartbeat())

    async def disconnect(self, code: int) -> None:
        """Leave the groups; an accepted socket leaves the client gauge (once)."""
        if getattr(self, "counted", False):
            self.counted = False
            metrics.websocket_disconnected()
        if getattr(self, "user_id", None) is not None:
            open_sockets[self.user_id] -= 1
            if open_sockets[self.user_id] <= 0:
                del open_sockets[self.user_id]
            self.user_id = None
        for task in (getattr(self, "watchdog", None), getattr(self, "flush_task", None)):
            if task is not None:
                task.cancel()
        for group in getattr(self, "joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Answer pings; replay missed samples on ``catch_up``. Anything else is ignored.

        Any message shows the page is alive (the heartbeat)."""
        if hasattr(self, "alive"):
            self.alive.set()
        message = read_client_message(text_data)
        if message is None:
            return
        if message.kind == "ping":
            await self.send(text_data=PONG)
        else:
            for event in await database_sync_to_async(missed_events)(self.view, message.last_id):
                await self.sample_processed(event)

    def _first_time(self, key: tuple[Any, ...]) -> bool:
        if key in self.seen:
            return False
        self.seen.append(key)
        return True

    async def _watch_heartbeat(self) -> None:
        """Close the socket when the page has sent nothing for 2.5 heartbeats."""
        timeout = HEARTBEAT_GRACE * float(settings.OPENSPC_LIVE_HEARTBEAT_SECONDS)
        while True:
            try:
                await asyncio.wait_for(self.alive.wait(), timeout)
            except TimeoutError:
                logger.info("closing a live socket that missed its heartbeat")
                await self.close(code=CLOSE_STALE)
                return
            self.alive.clear()

    def _cached(
        self, event: dict[str, Any], render: Callable[[dict[str, Any], LiveView], str]
    ) -> Callable[[], str]:
        view = self.view
        return lambda: render_cache.get((_event_key(event), view), lambda: render(event, view))

    def _queue(self, render: Callable[[], str]) -> None:
        """Queue an event's fragments for the page's next frame, sent at the end of the
        coalescing window. They are rendered then, not here: a handler only takes the
        message off the layer, so a burst never fills the channel's queue (where the
        layer would drop what does not fit)."""
        self.pending.append(render)
        if self.flush_task is None:
            self.flush_task = asyncio.create_task(self._flush_later())

    async def _flush_later(self) -> None:
        await asyncio.sleep(settings.OPENSPC_LIVE_COALESCE_MS / 1000)
        self.flush_task = None
        pending, self.pending = self.pending, []
        for render in pending:
            self.buffer.add(render())
        frame = self.buffer.take()
        if frame:
            await self.send(text_data=frame)

    async def sample_processed(self, event: dict[str, Any]) -> None:
        """A stored sample: card, chart point, status, violation rows, toasts."""
        key = ("sample", event["sample"]["id"])
        if self._first_time(key):
            self._queue(self._cached(event, render_sample_processed))

    async def violations_acknowledged(self, event: dict[str, Any]) -> None:
        """Acknowledged rows and state badges on every screen that shows them."""
        key = ("ack", event["characteristic_id"], tuple(event.get("violation_ids") or ()))
        if self._first_time(key):
            self._queue(self._cached(event, render_violations_acknowledged))

    async def sampling_overdue(self, event: dict[str, Any]) -> None:
        """A characteristic on the page became overdue: its due/overdue badge and a toast."""
        key = ("overdue", event["characteristic_id"], event.get("overdue_at"))
        if self._first_time(key):
            self._queue(self._cached(event, render_sampling_overdue))

    async def limits_changed(self, event: dict[str, Any]) -> None:
        """Limits changed or a sample was excluded: the chart page re-fetches its figure.

        The event carries no id; copies arriving through several groups within a second
        are one change.
        """
        now = time.monotonic()
        key = ("limits", event["characteristic_id"])
        if now - self.limits_seen.get(key, -LIMITS_DEDUP_SECONDS) < LIMITS_DEDUP_SECONDS:
            return
        self.limits_seen[key] = now
        self._queue(lambda: render_limits_changed(event, self.view))
