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

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import orjson
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.safestring import SafeString, mark_safe

from alerts.services import card_state
from openspc.caches import shared_cache
from spc.charts.data import chart_data
from spc.charts.figures import control_figure, figure_json
from spc.models import Characteristic
from spc.pipeline.chart_revisions import changed_here, data_revision

STATE_FREE = "state"
T = TypeVar("T")


def _stamp(value: datetime | None) -> str:
    return "" if value is None else value.isoformat()


def _key(char: Characteristic, start: datetime | None, end: datetime | None, limit: int) -> str:
    updated = _stamp(char.updated_at)
    token = data_revision(char.pk)
    return (
        f"chart-data:{char.pk}:{char.revision}:{updated}:{token}:"
        f"{_stamp(start)}:{_stamp(end)}:{limit}"
    )


def _through_cache(key: str, characteristic_id: int, build: Callable[[], T]) -> T:
    """The value under ``key``, built and kept on a miss; built and not kept while this
    transaction holds uncommitted changes of the characteristic's chart."""
    cache = shared_cache()
    private = changed_here(characteristic_id)
    value: T | None = None if private else cache.get(key)
    if value is None:
        value = build()
        if not private:
            cache.set(key, value, timeout=settings.OPENSPC_CHART_CACHE_SECONDS)
    return value


def _entry(
    char: Characteristic, start: datetime | None, end: datetime | None, limit: int
) -> tuple[bytes, bytes, str | None]:
    """(payload JSON without the state, open counts JSON, last timestamp): what is kept."""
    data = chart_data(char, start=start, end=end, limit=limit)
    del data[STATE_FREE]
    return orjson.dumps(data), orjson.dumps(data["open_violations"]), data["last_timestamp"]


def _payload(
    key: str,
    char: Characteristic,
    start: datetime | None,
    end: datetime | None,
    limit: int,
) -> bytes:
    """The payload JSON under ``key``, with the card state worked out now."""
    body, counts, last = _through_cache(key, char.pk, lambda: _entry(char, start, end, limit))
    state = card_state(orjson.loads(counts), parse_datetime(last) if last else None)
    return b'{"state":' + orjson.dumps(state) + b"," + body[1:]


def chart_data_json(
    char: Characteristic,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 500,
) -> bytes:
    """``spc.charts.data.chart_data`` as JSON bytes, from the cache when it is current."""
    return _payload(_key(char, start, end, limit), char, start, end, limit)


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


def cached_figure(
    char: Characteristic,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 500,
    axis: str = "sequence",
) -> tuple[dict[str, Any], SafeString]:
    """The chart data and its Plotly figure as escaped JSON (``figures.figure_json``),
    both from the cache when current. The figure's times are in the active time zone."""
    key = _key(char, start, end, limit)
    data: dict[str, Any] = orjson.loads(_payload(key, char, start, end, limit))
    figure_key = f"{key}:figure:{axis}:{timezone.get_current_timezone_name()}"
    text = _through_cache(
        figure_key, char.pk, lambda: str(figure_json(control_figure(data, axis=axis)))
    )
    return data, mark_safe(text)  # escaped by figure_json when it was built
