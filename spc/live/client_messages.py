"""What a live page's socket may say: ``ping`` and ``catch_up`` (the browser's live.js).

Shared by every consumer that serves live.js, so each answers the same two messages the
same way and ignores anything else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

PONG = '{"type": "pong"}'


@dataclass(frozen=True, slots=True)
class ClientMessage:
    """A message a page sent: ``kind`` "ping" or "catch_up" (with the newest id it has)."""

    kind: str
    last_id: int = 0


def read_client_message(text_data: str | None) -> ClientMessage | None:
    """The message in ``text_data``, or None for anything that is not a ping or a valid
    catch-up (bad JSON, another shape, a last id that is not a whole number)."""
    try:
        message = json.loads(text_data or "")
    except ValueError:
        return None
    if not isinstance(message, dict):
        return None
    kind = message.get("type")
    if kind == "ping":
        return ClientMessage("ping")
    if kind == "catch_up":
        try:
            return ClientMessage("catch_up", int(message.get("last_sample_id") or 0))
        except (TypeError, ValueError):
            return None
    return None
