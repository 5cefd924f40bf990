"""The sampling schedule: OK, due, overdue, and one alert per overdue episode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spc.jobs.schedule import SamplingState, became_overdue, grace_for, sampling_status

T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_no_interval_means_no_schedule() -> None:
    assert sampling_status(None, T0, at(600)).state is SamplingState.NONE
    assert sampling_status(0, T0, at(600)).state is SamplingState.NONE


@pytest.mark.parametrize(
    ("minutes_after_last", "expected"),
    [
        (0, SamplingState.OK),
        (59.9, SamplingState.OK),
        (60, SamplingState.DUE),  # exactly on the due time: due
        (74.9, SamplingState.DUE),
        (75, SamplingState.OVERDUE),  # 60 min interval + 15 min grace (a quarter)
        (600, SamplingState.OVERDUE),
    ],
)
def test_hourly_sampling_goes_ok_due_overdue(minutes_after_last: float, expected: str) -> None:
    assert sampling_status(60, T0, at(minutes_after_last)).state is expected


def test_status_carries_the_due_and_overdue_times() -> None:
    status = sampling_status(60, T0, at(10))
    assert status.due_at == at(60)
    assert status.overdue_at == at(75)
    assert status.as_dict()["due_at"] == "2026-11-23T07:00:00+00:00"


def test_short_interval_gets_at_least_a_minute_of_grace() -> None:
    assert grace_for(timedelta(minutes=2)) == timedelta(minutes=1)
    assert sampling_status(2, T0, at(2.5)).state is SamplingState.DUE
    assert sampling_status(2, T0, at(3)).state is SamplingState.OVERDUE


def test_before_the_first_sample_the_clock_starts_at_since() -> None:
    assert sampling_status(30, None, at(20), since=T0).state is SamplingState.OK
    assert sampling_status(30, None, at(40), since=T0).state is SamplingState.OVERDUE


def test_without_any_sample_or_start_the_sample_is_due() -> None:
    assert sampling_status(30, None, at(20)).state is SamplingState.DUE


def test_each_overdue_episode_falls_in_exactly_one_check_window() -> None:
    window = timedelta(minutes=1)
    checks = [at(m) for m in range(0, 200)]
    hits = [now for now in checks if became_overdue(sampling_status(60, T0, now), now, window)]
    assert hits == [at(75)]


def test_ok_or_due_never_counts_as_became_overdue() -> None:
    window = timedelta(hours=10)
    assert not became_overdue(sampling_status(60, T0, at(30)), at(30), window)
    assert not became_overdue(sampling_status(60, T0, at(70)), at(70), window)
