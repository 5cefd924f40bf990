"""Plain MQTT payloads: a number, a JSON number, or a JSON object with value(s).

Accepted shapes (UTF-8)::

    74.01
    {"value": 74.01}
    {"values": [74.01, 74.02], "timestamp": "2026-11-23T06:30:00Z", "id": "m-17"}
    {"value": 3, "timestamp": 1795415400000}          # epoch milliseconds
    {"value": 4, "sample_size": 200}                  # p, np, u charts: items inspected
    {"values": [50.1, 50.3, 49.9], "part_number": "A-17"}  # short-run charts: the part

Anything else raises :class:`ingest.errors.PayloadError` with a reason code.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from ingest.errors import PayloadError
from spc.core.frozen import quick_init

MAX_PAYLOAD_BYTES = 64 * 1024
MAX_VALUES = 1000
MAX_ID_LENGTH = 100
MAX_PART_NUMBER_LENGTH = 60


@quick_init
@dataclass(frozen=True)
class Reading:
    """Values parsed from one plain message, with the source time and the source's id."""

    values: tuple[float, ...]
    timestamp: datetime | None = None
    message_id: str | None = None
    sample_size: float | None = None
    part_number: str = ""


def parse_plain(payload: bytes) -> Reading:
    """Parse a plain payload into a :class:`Reading`."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise PayloadError("payload_too_large", f"{len(payload)} bytes > {MAX_PAYLOAD_BYTES}")
    try:
        # orjson reads the common, valid payload several times faster; anything it refuses
        # (bad UTF-8, NaN, bad JSON) is read again below for the exact reason, and so is a
        # payload with an integer beyond 64 bits, which orjson reads as a float.
        data = orjson.loads(payload)
    except orjson.JSONDecodeError:
        pass
    else:
        if not _has_wide_integer(data):
            try:
                if isinstance(data, dict):
                    return _from_object(data)
                return Reading(values=(_number(data),))
            except PayloadError:
                pass  # refused: read again below, so the reason is worded from its text
    try:
        text = bytes(payload).decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise PayloadError("invalid_utf8", str(exc)) from exc
    if not text:
        raise PayloadError("empty", "empty payload")
    try:
        data = _DECODER.decode(text)
    except _NonFiniteError as exc:
        raise PayloadError("non_finite", str(exc)) from exc
    except ValueError as exc:
        raise PayloadError("invalid_json", str(exc)) from exc
    if isinstance(data, dict):
        return _from_object(data)
    return Reading(values=(_number(data),))


_WIDE = float(2**63)


def _has_wide_integer(data: Any) -> bool:
    """True when a value anywhere in the payload may be an integer wider than 64 bits that
    orjson turned into a float (the standard decoder keeps it exact, and an id or an error
    message spells it)."""
    if type(data) is dict:  # the usual payload: one flat object, looked at in one pass
        nested = False
        for value in data.values():
            kind = type(value)
            if kind is float:
                if abs(value) >= _WIDE:
                    return True
            elif kind is dict or kind is list:
                nested = True
        if not nested:
            return False
    stack = [data]
    while stack:
        value = stack.pop()
        if type(value) is float:
            if abs(value) >= _WIDE:
                return True
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


class _NonFiniteError(Exception):
    pass


def _reject_constant(name: str) -> float:
    raise _NonFiniteError(f"{name} is not a finite number")


#: NUL and lone surrogates: text neither PostgreSQL nor UTF-8 can store.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

#: One decoder for every message: ``json.loads`` with an option builds a new one per call.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError("not_a_number", f"{value!r} is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise PayloadError("non_finite", f"{value!r} is not finite")
    return number


def _from_object(data: dict[str, Any]) -> Reading:
    if "values" in data:
        raw = data["values"]
        if not isinstance(raw, list):
            raise PayloadError("not_a_number", "'values' must be a list of numbers")
        if len(raw) > MAX_VALUES:
            raise PayloadError("too_many_values", f"{len(raw)} values > {MAX_VALUES}")
        values = tuple(_number(v) for v in raw)
    elif "value" in data:
        if data["value"] is None:
            raise PayloadError("empty", "'value' is null")
        values = (_number(data["value"]),)
    else:
        raise PayloadError("empty", "no 'value' or 'values' in the object")
    if not values:
        raise PayloadError("empty", "'values' is empty")
    message_id = data.get("id")
    if message_id is not None:
        message_id = str(message_id)
        if not message_id or len(message_id) > MAX_ID_LENGTH:
            raise PayloadError("invalid_json", "'id' must be 1 to 100 characters")
        if _UNSTORABLE.search(message_id):
            # JSON escapes can spell both; neither can be stored as text (PostgreSQL
            # refuses NUL, UTF-8 has no lone surrogates), and the batch would fail.
            raise PayloadError("invalid_json", "'id' must not contain NUL or lone surrogates")
    timestamp = parse_timestamp(data["timestamp"]) if data.get("timestamp") is not None else None
    sample_size = _number(data["sample_size"]) if data.get("sample_size") is not None else None
    part = _part_number(data["part_number"]) if data.get("part_number") is not None else ""
    return Reading(
        values=values,
        timestamp=timestamp,
        message_id=message_id,
        sample_size=sample_size,
        part_number=part,
    )


def _part_number(value: Any) -> str:
    """A short-run sample's part number: text (or a whole number) of at most 60 characters
    that can be stored (no NUL, no lone surrogates); surrounding blanks are dropped."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PayloadError("invalid_json", "'part_number' must be text")
    text = str(value).strip()
    if len(text) > MAX_PART_NUMBER_LENGTH:
        raise PayloadError("invalid_json", "'part_number' must be at most 60 characters")
    if _UNSTORABLE.search(text):
        raise PayloadError("invalid_json", "'part_number' must not contain NUL or lone surrogates")
    return text


def parse_timestamp(value: Any) -> datetime:
    """An ISO 8601 string (naive = UTC) or epoch milliseconds as an aware datetime."""
    try:
        if isinstance(value, bool):
            raise ValueError("a boolean is not a time")
        if isinstance(value, int | float):
            if not math.isfinite(value):
                raise ValueError("not finite")
            return datetime.fromtimestamp(value / 1000.0, tz=UTC)
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise PayloadError("invalid_timestamp", f"{value!r}: {exc}") from exc
    raise PayloadError("invalid_timestamp", f"{value!r} is not a time")


def idempotency_key(
    topic: str, payload: bytes, *, message_id: str | None = None, source_time: Any = None
) -> str | None:
    """The reading's key: the source's id, or a hash of topic, payload and source time.

    ``None`` when the message has neither an id nor a source time: two equal readings
    then cannot be told from a redelivery, so such messages are stored at least once.
    """
    if message_id:
        return f"id:{message_id}"[:128]
    if source_time is None:
        return None
    digest = hashlib.sha256()
    digest.update(topic.encode("utf-8", "replace"))
    digest.update(b"\0")
    digest.update(bytes(payload))
    digest.update(b"\0")
    digest.update(str(source_time).encode())
    return "h:" + digest.hexdigest()[:40]
