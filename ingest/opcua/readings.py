"""From an OPC UA data change to a reading, or to the reason it cannot be one (pure).

Idempotency: a value's key is its node id and source timestamp, so the same value seen
again (a re-created subscription's initial notification, a restarted server that kept its
value) is stored once.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from ingest.errors import PayloadError


@dataclass(frozen=True, slots=True)
class OpcUaValue:
    """One data change as received: where from, the value, its quality and times."""

    endpoint_id: int
    node_id: str
    value: object
    status_code: int
    status_name: str
    source_time: datetime | None
    server_time: datetime | None
    received: float


def is_good(status_code: int) -> bool:
    """OPC UA severity bits 30-31: 00 Good, 01 Uncertain, 10/11 Bad."""
    return (status_code >> 30) == 0


def numeric(item: OpcUaValue) -> float:
    """The value as a finite number; a Bad or Uncertain status or a wrong type refuses it."""
    if not is_good(item.status_code):
        raise PayloadError(
            "opcua_bad_status", f"status {item.status_name} (0x{item.status_code:08X})"
        )
    value = item.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(
            "opcua_wrong_type", f"{type(value).__name__} value {str(value)[:80]!r} is not a number"
        )
    number = float(value)
    if not math.isfinite(number):
        raise PayloadError("opcua_wrong_type", f"{number} is not a finite number")
    return number


def timestamp_of(item: OpcUaValue) -> datetime | None:
    """The source time (the device's), else the server's, as an aware UTC datetime."""
    stamp = item.source_time or item.server_time
    if stamp is None:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def reading_key(item: OpcUaValue) -> str:
    """Key of a value: node id and source timestamp (hashed when long: keys are 128 chars)."""
    stamp = timestamp_of(item)
    when = stamp.isoformat() if stamp else f"received:{item.received}"
    key = f"opcua:{item.node_id}@{when}"
    if len(key) <= 128:
        return key
    return "opcua:" + hashlib.sha256(key.encode()).hexdigest()
