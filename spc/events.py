"""Channel-layer events: the only module that sends to the channel layer.

Group names are built here and nowhere else, so consumers subscribe to exactly the groups
the senders use. Events are plain JSON-able dicts; consumers render them into HTML.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

SAMPLE_PROCESSED = "sample.processed"
VIOLATIONS_ACKNOWLEDGED = "violations.acknowledged"
LIMITS_CHANGED = "limits.changed"


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
    return [char_group(characteristic_id)] + [node_group(i) for i in node_ids_of_path(node_path)]


def send_now(groups: Iterable[str], event: dict[str, Any]) -> None:
    """Send ``event`` to each group at once; failures are logged, never raised.

    A lost live update only delays a screen (pages catch up on reconnect); it must never
    fail a stored sample. All groups are sent from one event-loop hop.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    targets = list(groups)

    async def send_all() -> None:
        for group in targets:
            try:
                await layer.group_send(group, event)
            except Exception:  # the channel layer is best effort by design
                logger.exception("could not send %s to %s", event.get("type"), group)

    try:
        async_to_sync(send_all)()
    except Exception:
        logger.exception("could not publish %s", event.get("type"))


def publish(groups: Iterable[str], event: dict[str, Any]) -> None:
    """Send ``event`` to ``groups`` after the current transaction commits."""
    targets = list(groups)
    transaction.on_commit(lambda: send_now(targets, event))


def limits_changed(characteristic_id: int, node_path: str) -> None:
    """Tell open pages of a characteristic to re-fetch its chart (after commit)."""
    publish(
        groups_for(characteristic_id, node_path),
        {"type": LIMITS_CHANGED, "characteristic_id": characteristic_id},
    )
