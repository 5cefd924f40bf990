"""Channel-layer events: the only module that sends to the channel layer.

Group names are built here and nowhere else, so consumers subscribe to exactly the groups
the senders use. Events are plain JSON-able dicts; consumers render them into HTML.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

SAMPLE_PROCESSED = "sample.processed"
VIOLATIONS_ACKNOWLEDGED = "violations.acknowledged"
LIMITS_CHANGED = "limits.changed"
SAMPLING_OVERDUE = "sampling.overdue"
LIVE_EVENT_TYPES = frozenset(
    {SAMPLE_PROCESSED, VIOLATIONS_ACKNOWLEDGED, LIMITS_CHANGED, SAMPLING_OVERDUE}
)
"""The event types the live consumer (``spc.live.consumers``) has a handler for; a test
holds the two together. A consumer that receives a type it cannot handle closes its socket."""


def char_group(characteristic_id: int) -> str:
    """Group of everyone watching one characteristic."""
    return f"char.{characteristic_id}"


def node_group(node_id: int) -> str:
    """Group of everyone watching a hierarchy node (and so everything below it)."""
    return f"node.{node_id}"


def node_ids_of_path(path: str) -> list[int]:
    """Ids of a node and its ancestors from its materialised path (``"/1/4/9/"``)."""
    return [int(part) for part in path.strip("/").split("/") if part]


def groups_for(characteristic_id: int, node_path: str) -> list[str]:
    """The characteristic's group and the groups of its node and every ancestor node."""
    return list(_groups_for(characteristic_id, node_path))


@functools.lru_cache(maxsize=16384)
def _groups_for(characteristic_id: int, node_path: str) -> tuple[str, ...]:
    # Built once per (characteristic, path): the pipeline names the groups of every sample.
    return (char_group(characteristic_id), *(node_group(i) for i in node_ids_of_path(node_path)))


Message = tuple[list[str], dict[str, Any]]
"""One event and the groups it goes to."""

MAX_BACKLOG = 200
"""Hand-offs waiting on the bound loop beyond which new events are dropped and counted."""

_loop: asyncio.AbstractEventLoop | None = None
_backlog = 0
_backlog_guard = threading.Lock()
dropped = 0
"""Events dropped because the bound loop's backlog was full (for logs and tests)."""
_order_locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}


def bind_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Send from other threads through ``loop`` (without waiting) from now on.

    The live consumer binds the server's loop when a socket connects, so the in-memory
    channel layer is only ever touched from the loop its consumers wait on, and a request
    or worker thread hands its events over instead of blocking on the send. A process
    without a server (the ingest worker) binds :func:`start_background_loop`'s loop.
    """
    global _loop
    _loop = loop


class BindServerLoop:
    """ASGI wrapper that binds the server's loop (:func:`bind_loop`) on its first call, so
    events from request threads are handed to it from the first request on."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        """Bind once, then pass the connection on unchanged."""
        loop = asyncio.get_running_loop()
        if _loop is not loop:
            bind_loop(loop)
        return await self.app(scope, receive, send)


def start_background_loop() -> asyncio.AbstractEventLoop:
    """A daemon thread running an event loop for sends, bound with :func:`bind_loop`."""
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="openspc-events", daemon=True).start()
    bind_loop(loop)
    return loop


def _watched(layer: Any, groups: list[str]) -> list[str]:
    """The groups worth a send. The in-memory layer (one process) shows its members, so a
    group nobody in this process watches is skipped; other layers get every group."""
    members = getattr(layer, "groups", None) if isinstance(layer, InMemoryChannelLayer) else None
    if members is None:
        return groups
    return [group for group in groups if members.get(group)]


def _by_host(layer: Any, groups: set[str]) -> dict[int, list[str]]:
    """Groups by the index of the Redis host that keeps them."""
    by_host: dict[int, list[str]] = {}
    for group in groups:
        by_host.setdefault(layer.consistent_hash(group), []).append(group)
    return by_host


_sync_clients: dict[tuple[int, int], Any] = {}
_sync_clients_guard = threading.Lock()


def _sync_client(layer: Any, index: int) -> Any:
    """A synchronous Redis client for host ``index`` of a Redis layer (cached per layer)."""
    import redis  # only with a Redis layer

    ident = (id(layer), index)
    with _sync_clients_guard:
        client = _sync_clients.get(ident)
        if client is None:
            host = dict(layer.hosts[index])
            address = host.pop("address", None)
            if address is None:
                raise ValueError("only address-style Redis hosts are checked synchronously")
            client = redis.Redis.from_url(address, **host)
            _sync_clients[ident] = client
        return client


def watched_groups(groups: set[str]) -> set[str] | None:
    """Which of ``groups`` have a member now, asked from a synchronous thread.

    The pipeline builds a ``sample.processed`` event (and counts open violations for its
    card) only for samples somebody watches: a plant charts a thousand characteristics
    and has a few dozen on screens. The in-memory layer answers from its member table (a
    process watches only its own sockets); a Redis layer with one pipelined EXISTS per
    host. ``None`` means unknown: treat every group as watched.
    """
    layer = get_channel_layer()
    if layer is None:
        return set()
    if isinstance(layer, InMemoryChannelLayer):
        return set(_watched(layer, list(groups)))
    key_of = getattr(layer, "_group_key", None)
    if key_of is None or not hasattr(layer, "consistent_hash") or not groups:
        return None if key_of is None else set()
    try:
        found: set[str] = set()
        for index, names in _by_host(layer, groups).items():
            pipe = _sync_client(layer, index).pipeline(transaction=False)
            for name in names:
                pipe.exists(key_of(name))
            found.update(n for n, e in zip(names, pipe.execute(), strict=True) if e)
    except Exception:  # unknown: build every event, as without the check
        logger.exception("could not check group membership")
        return None
    return found


async def _groups_with_members(layer: Any, groups: set[str]) -> set[str] | None:
    """Which of ``groups`` have members on a Redis layer: one pipelined EXISTS per Redis
    host instead of two round trips per group inside ``group_send``. A plant charts
    thousands of characteristics and watches a few dozen, so most groups are empty.
    ``None`` (send to every group) for other layers or when the check fails."""
    key_of = getattr(layer, "_group_key", None)
    if key_of is None or not hasattr(layer, "consistent_hash"):
        return None
    try:
        found: set[str] = set()
        for index, names in _by_host(layer, groups).items():
            pipe = layer.connection(index).pipeline(transaction=False)
            for name in names:
                pipe.exists(key_of(name))
            for name, exists in zip(names, await pipe.execute(), strict=True):
                if exists:
                    found.add(name)
    except Exception:  # fall back to sending everywhere
        logger.exception("could not check group membership")
        return None
    return found


async def _send_all(messages: list[Message]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    watched = await _groups_with_members(layer, {g for groups, _ in messages for g in groups})
    for groups, event in messages:
        for group in groups:
            if watched is not None and group not in watched:
                continue
            try:
                await layer.group_send(group, event)
            except Exception:  # the channel layer is best effort by design
                logger.exception("could not send %s to %s", event.get("type"), group)


async def _send_in_order(messages: list[Message]) -> None:
    """Hand-offs run one after the other, in the order they were made."""
    global _backlog
    loop = asyncio.get_running_loop()
    lock = _order_locks.setdefault(loop, asyncio.Lock())
    try:
        async with lock:
            await _send_all(messages)
    finally:
        with _backlog_guard:
            _backlog -= 1


def _on(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def send_many(messages: list[Message]) -> None:
    """Send each (groups, event) in order; failures are logged, never raised.

    A lost live update only delays a screen (pages catch up on reconnect); it must never
    fail a stored sample. With a bound, running loop the messages are handed to it and
    this returns at once; otherwise they are sent from one event-loop hop before return.
    """
    layer = get_channel_layer()
    if not messages or layer is None:
        return
    if isinstance(layer, InMemoryChannelLayer):
        messages = [
            (watched, event) for groups, event in messages if (watched := _watched(layer, groups))
        ]
        if not messages:
            return
    loop = _loop
    if loop is not None and loop.is_running() and not _on(loop):
        global _backlog, dropped
        with _backlog_guard:
            if _backlog >= MAX_BACKLOG:
                # The layer cannot keep up: drop (pages catch up on reconnect) rather
                # than grow without bound.
                dropped += len(messages)
                if dropped % 1000 < len(messages):
                    logger.warning("live events dropped: %d so far (layer too slow)", dropped)
                return
            _backlog += 1
        asyncio.run_coroutine_threadsafe(_send_in_order(messages), loop)
        return
    try:
        async_to_sync(_send_all)(messages)
    except Exception:
        logger.exception("could not publish %d events", len(messages))


def send_now(groups: Iterable[str], event: dict[str, Any]) -> None:
    """Send ``event`` to each group at once (see :func:`send_many`)."""
    send_many([(list(groups), event)])


def publish(groups: Iterable[str], event: dict[str, Any]) -> None:
    """Send ``event`` to ``groups`` after the current transaction commits."""
    publish_many([(list(groups), event)])


def publish_many(messages: list[Message]) -> None:
    """Send each (groups, event) after the current transaction commits, in order."""
    transaction.on_commit(lambda: send_many(messages))


def limits_changed(characteristic_id: int, node_path: str) -> None:
    """Tell open pages of a characteristic to re-fetch its chart (after commit)."""
    publish(
        groups_for(characteristic_id, node_path),
        {"type": LIMITS_CHANGED, "characteristic_id": characteristic_id},
    )
