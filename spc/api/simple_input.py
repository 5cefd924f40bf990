"""The common shape of a submitted subgroup, validated without the serializer machinery.

``SampleCreateSerializer`` runs a dozen DRF field objects per item; for a machine's bulk
list of a thousand subgroups that was a fifth of the request. Most items have the simple
shape — an integer characteristic, a list of plain numbers, perhaps an idempotency key,
operator, batch or part number in plain ASCII — and for those ``simple_item`` returns exactly
what the serializer's ``run_validation`` returns. Anything else (timestamps, attribute
counts, strings for numbers, every invalid item) returns ``None`` and goes through the
serializer, so error messages come from one place.
"""

from __future__ import annotations

import math
from typing import Any

from spc.api.serializers import MAX_ID, MAX_MAGNITUDE
from spc.pipeline.processing import MAX_MEASUREMENTS

TEXT_FIELDS = {
    "batch_number": (120, True),
    "operator": (120, True),
    "idempotency_key": (128, False),
    "part_number": (60, True),
}
"""Text field -> (max length, blank allowed), as the serializer declares them."""

_KNOWN = frozenset(("characteristic", "measurements", *TEXT_FIELDS))


def simple_item(item: Any) -> dict[str, Any] | None:
    """The validated data of a simple, valid item; ``None`` for the serializer to judge."""
    if type(item) is not dict or not _KNOWN.issuperset(item):
        return None
    characteristic = item.get("characteristic")
    if type(characteristic) is not int or not 1 <= characteristic <= MAX_ID:
        return None
    out: dict[str, Any] = {"characteristic": characteristic}
    if "measurements" in item:
        values = _numbers(item["measurements"])
        if values is None:
            return None
        out["measurements"] = values
    for name, (max_length, allow_blank) in TEXT_FIELDS.items():
        if name in item:
            text = item[name]
            if type(text) is not str or not text.isascii() or "\x00" in text:
                return None
            text = text.strip()  # CharField trims whitespace
            if (not text and not allow_blank) or len(text) > max_length:
                return None
            out[name] = text
    return out


def _numbers(values: Any) -> list[float] | None:
    if type(values) is not list or len(values) > MAX_MEASUREMENTS:
        return None
    out = []
    for value in values:
        kind = type(value)
        if kind is not float and kind is not int:
            return None
        if kind is int and abs(value) > MAX_MAGNITUDE:
            return None
        number = float(value)
        if not math.isfinite(number) or abs(number) > MAX_MAGNITUDE:
            return None
        out.append(number)
    return out
