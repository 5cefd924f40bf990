"""The one way pages show a moment: in the plant's time zone, with the zone named.

``{{ sample.timestamp|plant_time }}`` -> ``2026-12-06 14:05:09 CET`` (``settings.
DATETIME_FORMAT`` in ``settings.TIME_ZONE``, the plant's zone); ``|plant_date`` ->
``2026-12-06``. Both accept an aware datetime or an ISO 8601 string (live fragments carry
ISO strings) and give "" for None, "" or text that is no time. A user who chose a time
zone of their own (``hierarchy.preferences``) sees times in that zone instead.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from django import template
from django.conf import settings
from django.utils import dateformat, timezone

register = template.Library()


def plant_zone() -> tzinfo:
    """The zone times are shown in: the user's own (activated per request by
    ``hierarchy.preferences.PreferenceMiddleware``), else the plant's (``settings.TIME_ZONE``)."""
    return timezone.get_current_timezone()


def _as_local(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)  # stored times are UTC
    return value.astimezone(plant_zone())


@register.filter(name="plant_time")
def plant_time(value: Any) -> str:
    """``value`` as date, time to the second and zone abbreviation, e.g.
    ``2026-12-06 14:05:09 CET``; "" when it is no time."""
    local = _as_local(value)
    return dateformat.format(local, settings.DATETIME_FORMAT) if local else ""


@register.filter(name="plant_date")
def plant_date(value: Any) -> str:
    """The plant-local calendar date of ``value`` (``settings.DATE_FORMAT``); "" when none."""
    local = _as_local(value)
    return dateformat.format(local, settings.DATE_FORMAT) if local else ""
