"""Sampling schedule: whether a characteristic's next sample is due or overdue.

Pure functions of the last sample time, the sampling interval and the current time (the
clock is passed in), so the dashboard, the API and the periodic overdue check agree.

A characteristic with a sampling interval of ``I`` minutes whose last sample (or, before
the first sample, its creation) was at ``t`` is

- ``OK`` while ``now < t + I``,
- ``DUE`` from ``t + I`` (the next sample should be taken now) until ``t + I + grace``,
- ``OVERDUE`` from ``t + I + grace`` on, where ``grace = I * GRACE_FRACTION``
  (at least ``MIN_GRACE``).

A characteristic without an interval is ``NONE``: it has no schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

GRACE_FRACTION = 0.25
MIN_GRACE = timedelta(minutes=1)


class SamplingState(StrEnum):
    """Where a characteristic stands against its sampling interval."""

    NONE = "NONE"
    OK = "OK"
    DUE = "DUE"
    OVERDUE = "OVERDUE"


@dataclass(frozen=True)
class SamplingStatus:
    """The schedule state with the times it was judged from (``None`` without a schedule)."""

    state: SamplingState
    interval_minutes: int | None = None
    last_sample_at: datetime | None = None
    due_at: datetime | None = None
    overdue_at: datetime | None = None

    def as_dict(self) -> dict[str, object]:
        """Plain JSON-able data (ISO 8601 times)."""
        return {
            "state": self.state.value,
            "interval_minutes": self.interval_minutes,
            "last_sample_at": _iso(self.last_sample_at),
            "due_at": _iso(self.due_at),
            "overdue_at": _iso(self.overdue_at),
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def grace_for(interval: timedelta, fraction: float = GRACE_FRACTION) -> timedelta:
    """How long after the due time a sample may still come before it is overdue."""
    return max(interval * fraction, MIN_GRACE)


def sampling_status(
    interval_minutes: int | None,
    last_sample_at: datetime | None,
    now: datetime,
    *,
    since: datetime | None = None,
    grace_fraction: float = GRACE_FRACTION,
) -> SamplingStatus:
    """The schedule state of one characteristic at ``now``; see the module docstring.

    ``last_sample_at`` is the newest sample's time (``None`` before the first sample, in
    which case ``since``, e.g. the characteristic's creation, starts the clock; with
    neither the state is ``DUE``). A due or overdue time exactly equal to ``now`` counts
    as reached. A non-positive interval is treated as no schedule.
    """
    if interval_minutes is None or interval_minutes <= 0:
        return SamplingStatus(SamplingState.NONE, last_sample_at=last_sample_at)
    interval = timedelta(minutes=interval_minutes)
    start = last_sample_at if last_sample_at is not None else since
    if start is None:
        return SamplingStatus(SamplingState.DUE, interval_minutes)
    due_at = start + interval
    overdue_at = due_at + grace_for(interval, grace_fraction)
    if now >= overdue_at:
        state = SamplingState.OVERDUE
    elif now >= due_at:
        state = SamplingState.DUE
    else:
        state = SamplingState.OK
    return SamplingStatus(state, interval_minutes, last_sample_at, due_at, overdue_at)


def became_overdue(status: SamplingStatus, now: datetime, window: timedelta) -> bool:
    """True when ``status`` turned overdue within the ``window`` ending at ``now``.

    A periodic check running every ``window`` alerts each overdue episode exactly once:
    the episode's ``overdue_at`` falls in exactly one check's half-open window
    ``(now - window, now]``.
    """
    if status.state is not SamplingState.OVERDUE or status.overdue_at is None:
        return False
    return now - window < status.overdue_at <= now


OVERDUE_CHECK_SECONDS = 60
"""How often celery beat runs the overdue check; also the check's alert window."""
