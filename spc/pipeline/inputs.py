"""What a provider hands the pipeline (``SubgroupInput``) and the checks that need no
characteristic: sizes, finite numbers, text lengths, the source, the time."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from spc.core.errors import InputError
from spc.core.frozen import quick_init
from spc.core.types import Subgroup

MAX_MEASUREMENTS = 1000
TEXT_LIMITS = {"operator": 120, "batch_number": 120, "idempotency_key": 128, "part_number": 60}
SOURCES = ("MANUAL", "REST", "MQTT", "OPCUA", "IMPORT")


class CharacteristicInactive(InputError):  # noqa: N818 - the contract name
    """The characteristic is switched off and accepts no samples."""


@quick_init
@dataclass(frozen=True)
class SubgroupInput:
    """One subgroup from any provider, in plain values."""

    characteristic_id: int
    measurements: tuple[float, ...] = ()
    count: float | None = None
    sample_size: float | None = None
    timestamp: datetime | None = None
    idempotency_key: str | None = None
    operator: str = ""
    batch_number: str = ""
    source: str = "MANUAL"
    user_id: int | None = None
    # The user (``user_id``) confirmed that an out-of-spec value is real (manual entry).
    spec_confirmed: bool = False
    # Short-run charts (DNOM, Z-MR): the part number whose target the sample is judged by.
    part_number: str = ""


def clean_input(
    data: SubgroupInput, now: datetime, skew: timedelta | None = None
) -> tuple[Subgroup, datetime]:
    """Checks that do not need the characteristic: sizes, text lengths, time (``skew``:
    :func:`future_skew`, read once by a caller that cleans many)."""
    if len(data.measurements) > MAX_MEASUREMENTS:
        raise InputError("measurements", f"At most {MAX_MEASUREMENTS} values in one subgroup.")
    measured = data.measurements
    if type(measured) is not tuple or not all(type(v) is float for v in measured):
        measured = tuple(map(_number, measured))  # ints made floats; anything else refused
    if not all(map(math.isfinite, measured)):
        raise InputError("measurements", "Measurements must be finite numbers.")
    for name, limit in TEXT_LIMITS.items():
        text = getattr(data, name) or ""
        if len(text) > limit:
            raise InputError(name, f"At most {limit} characters.")
    if data.source not in SOURCES:
        raise InputError("source", f"Unknown source {data.source!r}.")
    stamp = data.timestamp
    if stamp is None:  # the server's clock: in UTC already, and never in the future
        return Subgroup(measured, data.count, data.sample_size), now
    if stamp.tzinfo is UTC:  # the usual case (parsers and the ingest give UTC): as it is
        check_not_future(stamp, now, skew)
        return Subgroup(measured, data.count, data.sample_size), stamp
    if timezone.is_naive(stamp):
        stamp = stamp.replace(tzinfo=UTC)
    try:
        # PostgreSQL takes offsets up to ±15:59 only; an instant in UTC always fits.
        stamp = stamp.astimezone(UTC)
    except OverflowError as exc:
        raise InputError("timestamp", "Date-time out of range.") from exc
    check_not_future(stamp, now, skew)
    return Subgroup(measured, data.count, data.sample_size), stamp


def _number(value: object) -> float:
    """A measurement as a float; ``InputError`` for anything but an int or a float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError("measurements", "Every measurement must be a number.")
    return float(value)


def future_skew() -> timedelta:
    """How far after the server's clock a sample's time may be
    (``OPENSPC_MAX_FUTURE_SKEW_SECONDS``)."""
    return timedelta(seconds=settings.OPENSPC_MAX_FUTURE_SKEW_SECONDS)


def check_not_future(stamp: datetime, now: datetime, skew: timedelta | None = None) -> None:
    """Refuse a timestamp more than ``OPENSPC_MAX_FUTURE_SKEW_SECONDS`` after ``now``
    (exactly that far ahead is accepted): a sample cannot have been measured later than
    now, so such a time is a wrong clock or a typing error, and would sort after every
    real sample."""
    if skew is None:
        skew = future_skew()
    if stamp - now > skew:
        raise InputError(
            "timestamp",
            f"{stamp.isoformat()} is in the future (more than {skew.total_seconds():.0f} s "
            "after the server's clock): check the clock of the sender.",
        )


class UnknownCharacteristic(InputError):  # noqa: N818 - reads as the condition
    """No characteristic has the given id (``process`` raises ``DoesNotExist`` instead)."""
