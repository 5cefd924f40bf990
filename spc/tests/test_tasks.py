"""Periodic jobs: retention purge, scheduled recalculation, overdue sampling alerts."""

from __future__ import annotations

import asyncio
import itertools
import statistics
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from alerts.models import Violation
from alerts.tests.factories import ReasonCodeFactory
from openspc.celery import app
from spc.jobs import overdue, tasks
from spc.jobs.schedule import SamplingState
from spc.models import Characteristic, LimitSet, Sample
from spc.tests.factories import CharacteristicFactory, LimitSetFactory, SampleFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
# Nelson rule 7 looks at fifteen points, the longest pattern of the eight rules.
LONGEST_RULE_WINDOW = 15


def samples_at(char: Characteristic, ages: list[timedelta], value: float = 10.0) -> list[Sample]:
    """One sample per age, stored oldest first (ids follow time, as the pipeline stores)."""
    return [
        SampleFactory(characteristic=char, timestamp=NOW - age, value=value, mean=value)
        for age in ages
    ]


def remaining_ids(char: Characteristic) -> set[int]:
    return set(Sample.objects.filter(characteristic=char).values_list("id", flat=True))


# --- retention ---------------------------------------------------------------------------


def test_purge_keeps_baseline_open_violations_and_recent_samples() -> None:
    char = CharacteristicFactory(retention_days=30)
    old = samples_at(char, [timedelta(days=60 - i * 0.1) for i in range(30)])
    recent = samples_at(char, [timedelta(days=5 - i * 0.1) for i in range(20)])
    baseline = old[10:15]
    LimitSetFactory(
        characteristic=char,
        baseline={"first_sample_id": baseline[0].pk, "last_sample_id": baseline[-1].pk},
    )
    open_one, acknowledged_one = old[20], old[21]
    Violation.objects.create(sample=open_one, characteristic=char, rule=1, severity="CRITICAL")
    Violation.objects.create(
        sample=acknowledged_one,
        characteristic=char,
        rule=1,
        severity="CRITICAL",
        acknowledged_at=NOW,
        reason_code=ReasonCodeFactory(),
    )

    purged = tasks.purge_expired_samples(NOW)

    kept = {s.pk for s in baseline} | {open_one.pk} | {s.pk for s in recent}
    assert remaining_ids(char) == kept
    assert purged == {char.pk: len(old) - len(baseline) - 1}
    assert not Violation.objects.filter(sample_id=acknowledged_one.pk).exists()


def test_purge_keeps_the_sample_of_a_violation_with_a_corrective_action() -> None:
    from alerts.corrective_actions import CorrectiveAction
    from conftest import persona

    char = CharacteristicFactory(retention_days=30)
    old = samples_at(char, [timedelta(days=60 - i * 0.1) for i in range(30)])
    samples_at(char, [timedelta(days=5 - i * 0.1) for i in range(20)])
    violation = Violation.objects.create(
        sample=old[3], characteristic=char, rule=1, severity="CRITICAL",
        acknowledged_at=NOW, reason_code=ReasonCodeFactory(),
    )  # fmt: skip
    CorrectiveAction.objects.create(
        violation=violation, characteristic=char, episode=violation.pk, title="Fix",
        owner=persona("owner", "pw-owner-123", None), due_date=NOW.date(),
    )  # fmt: skip

    tasks.purge_expired_samples(NOW)

    assert old[3].pk in remaining_ids(char)
    assert Violation.objects.filter(pk=violation.pk).exists()


def test_purge_never_takes_the_points_the_rules_still_read() -> None:
    char = CharacteristicFactory(retention_days=30)
    stored = samples_at(char, [timedelta(days=100 - i * 0.01) for i in range(40)])

    tasks.purge_expired_samples(NOW)

    left = sorted(remaining_ids(char))
    assert len(left) >= LONGEST_RULE_WINDOW
    assert len(left) < len(stored)
    assert left == [s.pk for s in stored[-len(left) :]]  # the newest ones


def test_purge_leaves_characteristics_without_a_policy_alone() -> None:
    char = CharacteristicFactory(retention_days=None)
    samples_at(char, [timedelta(days=3000), timedelta(days=2000)] * 10)
    assert tasks.purge_expired_samples(NOW) == {}
    assert len(remaining_ids(char)) == 20


def test_purge_uses_the_characteristics_own_policy() -> None:
    short = CharacteristicFactory(retention_days=10)
    long = CharacteristicFactory(retention_days=400)
    for char in (short, long):
        samples_at(char, [timedelta(days=200)] * 5 + [timedelta(days=1)] * 20)
    purged = tasks.purge_expired_samples(NOW)
    assert purged == {short.pk: 5}
    assert len(remaining_ids(long)) == 25


# --- scheduled recalculation ---------------------------------------------------------------

VALUES = [10.0, 11.0, 9.0, 10.5, 9.5, 10.2, 9.8, 10.1]


def make_due(char: Characteristic, days: int) -> None:
    Characteristic.objects.filter(pk=char.pk).update(created_at=NOW - timedelta(days=days))
    char.refresh_from_db()


def test_scheduled_recalculation_stores_individuals_limits_from_the_period() -> None:
    char = CharacteristicFactory(recalc_every_days=7)
    make_due(char, 10)
    samples_at(char, [timedelta(days=30)], value=50.0)  # before the period: not in the baseline
    for i, value in enumerate(VALUES):
        samples_at(char, [timedelta(days=6, minutes=-i)], value=value)

    assert tasks.recalculate_scheduled(NOW) == {char.pk: "stored"}

    # I-MR (Montgomery 6.4): CL = x̄, σ = MR̄ / d2(2), d2(2) = 1.128, limits at ±3σ.
    mr_bar = statistics.mean(abs(b - a) for a, b in itertools.pairwise(VALUES))
    sigma = mr_bar / 1.128
    char.refresh_from_db()
    assert char.center_line == pytest.approx(statistics.mean(VALUES))
    assert char.ucl == pytest.approx(statistics.mean(VALUES) + 3 * sigma, rel=1e-3)
    history = LimitSet.objects.get(characteristic=char)
    assert history.reason == "Scheduled recalculation (every 7 days)"
    assert history.created_by is None
    assert history.baseline_count == len(VALUES)


def test_recalculation_waits_until_the_last_change_is_old_enough() -> None:
    char = CharacteristicFactory(recalc_every_days=7)
    make_due(char, 30)
    LimitSetFactory(characteristic=char, created_at=NOW - timedelta(days=3))
    samples_at(char, [timedelta(days=1)] * 3)
    assert tasks.recalculate_scheduled(NOW) == {}
    assert LimitSet.objects.filter(characteristic=char).count() == 1


def test_recalculation_on_constant_data_is_skipped_with_the_reason() -> None:
    char = CharacteristicFactory(recalc_every_days=1)
    make_due(char, 2)
    samples_at(char, [timedelta(hours=h) for h in range(10, 0, -1)], value=5.0)
    outcome = tasks.recalculate_scheduled(NOW)
    assert "spread" in outcome[char.pk].lower()
    assert not LimitSet.objects.filter(characteristic=char).exists()
    char.refresh_from_db()
    assert char.sigma is None


def test_characteristics_without_a_recalculation_policy_are_never_recalculated() -> None:
    char = CharacteristicFactory(recalc_every_days=None)
    make_due(char, 1000)
    samples_at(char, [timedelta(days=1, minutes=-i) for i in range(8)])
    assert tasks.recalculate_scheduled(NOW) == {}


# --- overdue sampling ----------------------------------------------------------------------


def test_status_for_the_dashboard() -> None:
    hourly = CharacteristicFactory(sampling_interval_minutes=60)
    samples_at(hourly, [timedelta(minutes=70)])
    unscheduled = CharacteristicFactory()
    chars: list[Any] = [hourly, unscheduled]
    states = overdue.statuses(chars, NOW)
    assert states[hourly.pk].state is SamplingState.DUE
    assert states[unscheduled.pk].state is SamplingState.NONE
    assert overdue.status(hourly, NOW + timedelta(minutes=10)).state is SamplingState.OVERDUE


def test_overdue_check_alerts_once_per_episode(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setattr(overdue, "consumers_handle_overdue", lambda: True)
    char = CharacteristicFactory(sampling_interval_minutes=60)
    CharacteristicFactory(sampling_interval_minutes=60, active=False)  # switched off
    last = samples_at(char, [timedelta(minutes=0)])[0].timestamp
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"char.{char.pk}", channel)

    window = timedelta(seconds=60)
    checks = [last + timedelta(minutes=m) for m in range(0, 180)]
    with django_capture_on_commit_callbacks(execute=True):
        alerted = [now for now in checks if overdue.check_overdue(now, window)]

    assert alerted == [last + timedelta(minutes=75)]  # 60 min + a quarter of it
    event = async_to_sync(asyncio.wait_for)(layer.receive(channel), 5)
    assert event["type"] == "sampling.overdue"
    assert event["characteristic_id"] == char.pk
    assert event["state"] == "OVERDUE"
    assert event["due_at"] == (last + timedelta(minutes=60)).isoformat()


def test_no_overdue_event_goes_to_consumers_that_cannot_handle_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent: list[object] = []
    monkeypatch.setattr(overdue, "consumers_handle_overdue", lambda: False)
    monkeypatch.setattr(overdue.events, "publish", lambda *args: sent.append(args))
    char = CharacteristicFactory(sampling_interval_minutes=10)
    last = samples_at(char, [timedelta(0)])[0].timestamp
    assert overdue.check_overdue(last + timedelta(minutes=12.5)) == [char.pk]
    assert sent == []


# --- beat ----------------------------------------------------------------------------------


def test_every_beat_entry_names_a_registered_task() -> None:
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {
        "spc.purge_expired_samples",
        "spc.recalculate_scheduled_limits",
        "spc.check_overdue_sampling",
    } <= scheduled
    assert scheduled <= set(app.tasks)


def test_celery_entry_points_run_the_jobs() -> None:
    char = CharacteristicFactory(retention_days=1)
    samples_at(char, [timedelta(days=9)] * 3 + [timedelta(0)] * LONGEST_RULE_WINDOW)
    assert tasks.purge_expired_samples_task.delay().get() == 3
    assert tasks.check_overdue_sampling_task.delay().get() == 0
    assert tasks.recalculate_scheduled_limits_task.delay().get() == 0
