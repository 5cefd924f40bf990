"""Date-time filter fields shared by the API's lists and the pages' filter forms."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField


def in_utc(parsed: datetime | None) -> datetime | None:
    """An aware date-time expressed in UTC (naive and ``None`` pass through); an instant
    outside the representable range is a field error."""
    if parsed is None or parsed.tzinfo is None:
        return parsed
    try:
        return parsed.astimezone(UTC)
    except OverflowError as exc:
        raise forms.ValidationError("Date-time out of range.", code="invalid") from exc


class UTCIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, normalised to UTC.

    Python accepts UTC offsets up to ±23:59 and PostgreSQL only up to ±15:59, so an offset
    such as ``+17:21`` passed through would fail in the database (a 500); in UTC any
    valid instant is fine. An instant outside the representable range is a field error.
    """

    def to_python(self, value: object) -> datetime | None:
        """Parse as django-filter does, then express the instant in UTC."""
        return in_utc(super().to_python(value))


class UTCDateTimeField(forms.DateTimeField):
    """A form date-time normalised to UTC, for the pages' time-range filters (same reason
    as :class:`UTCIsoDateTimeField`)."""

    def to_python(self, value: Any) -> datetime | None:
        """Parse as Django does, then express the instant in UTC."""
        return in_utc(super().to_python(value))


class UTCIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """``IsoDateTimeFilter`` whose value is normalised to UTC (see the field)."""

    field_class = UTCIsoDateTimeField
