"""Chart data served from a per-characteristic cache while it is still true.

A payload is kept (as JSON bytes) under a key made of the characteristic's ``revision``
and ``updated_at`` (its settings, limits and exclusions), the data token of
``spc.pipeline.chart_revisions`` (its samples and violations, replaced by every writer)
and the request's range and point count. The card state ("no data" after a quiet spell)
depends on the clock, so it is worked out on every call from the cached counts.

Reading the token before the rows matters: a payload built from rows that changed while
it was built is stored under a token that the change has already replaced.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from django.conf import settings
from django.core.cache import caches
from django.utils.dateparse import parse_datetime

from alerts.services import card_state
from spc.charts.data import chart_data
from spc.models import Characteristic
from spc.pipeline.chart_revisions import CACHE_ALIAS, data_revision

STATE_FREE = "state"


def _stamp(value: datetime | None) -> str:
    return "" if value is None else value.isoformat()


def _key(char: Characteristic, start: datetime | None, end: datetime | None, limit: int) -> str:
    updated = _stamp(char.updated_at)
    token = data_revision(char.pk)
    return (
        f"chart-data:{char.pk}:{char.revision}:{updated}:{token}:"
        f"{_stamp(start)}:{_stamp(end)}:{limit}"
    )


def chart_data_json(
    char: Characteristic,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 500,
) -> bytes:
    """``spc.charts.data.chart_data`` as JSON bytes, from the cache when it is current."""
    cache = caches[CACHE_ALIAS]
    key = _key(char, start, end, limit)
    entry = cache.get(key)
    if entry is None:
        data = chart_data(char, start=start, end=end, limit=limit)
        state = data.pop(STATE_FREE)
        body = orjson.dumps(data)
        last = data["last_timestamp"]
        cache.set(
            key,
            (body, orjson.dumps(data["open_violations"]), last),
            timeout=settings.OPENSPC_CHART_CACHE_SECONDS,
        )
        return b'{"state":' + orjson.dumps(state) + b"," + body[1:]
    body, counts, last = entry
    state = card_state(orjson.loads(counts), parse_datetime(last) if last else None)
    return b'{"state":' + orjson.dumps(state) + b"," + body[1:]


def cached_chart_data(
    char: Characteristic,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 500,
) -> dict[str, Any]:
    """``spc.charts.data.chart_data`` through the cache, as a dict for pages."""
    result: dict[str, Any] = orjson.loads(chart_data_json(char, start=start, end=end, limit=limit))
    return result
