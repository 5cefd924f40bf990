"""Late and out-of-order samples: put in their place by source time, the samples after them
judged again; beyond the horizon stored and flagged. The property: any arrival order within
the horizon leaves the violations the batch scan of the time-sorted series finds."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.models import Violation
from spc.core.rules import scan
from spc.models import Characteristic, Sample
from spc.pipeline.config import config_for
from spc.pipeline.processing import SubgroupInput, process, process_many
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db
BASE = datetime(2026, 3, 1, 6, 0, tzinfo=datetime.now().astimezone().tzinfo)


def _char(**extra: Any) -> Characteristic:
    """I-MR with CL 0, UCL 3, LCL −3 (σ = 1): a value is its own z."""
    return CharacteristicFactory.create(center_line=0.0, ucl=3.0, lcl=-3.0, sigma=1.0, **extra)


def _at(char: Characteristic, minute: int, value: float) -> Any:
    return process(
        SubgroupInput(
            characteristic_id=char.pk,
            measurements=(value,),
            timestamp=BASE + timedelta(minutes=minute),
            source="MQTT",
        )
    )


def _open(char: Characteristic) -> set[tuple[int, int]]:
    """(minute, rule) of the characteristic's open violations."""
    return {
        (int((v.sample.timestamp - BASE).total_seconds() // 60), v.rule)
        for v in Violation.objects.filter(characteristic=char, acknowledged_at__isnull=True)
    }


def test_a_late_sample_completing_a_run_raises_the_violation_on_the_later_sample() -> None:
    char = _char()
    for minute in (1, 2, 3, 4, 6, 7, 8, 9):
        _at(char, minute, 1.0)
    assert _open(char) == set()  # 8 in a row: rule 2 needs 9
    result = _at(char, 5, 1.0)
    assert result.sample.arrival == "LATE"
    assert _open(char) == {(9, 2)}
    # The window is in source time: the next sample continues the run.
    _at(char, 10, 1.0)
    assert _open(char) == {(9, 2), (10, 2)}


def test_a_late_sample_breaking_a_run_closes_the_violation_with_a_note() -> None:
    char = _char()
    for minute in range(1, 10):
        _at(char, minute, 1.0)
    assert _open(char) == {(9, 2)}
    late = _at(char, 5, -1.0)
    assert _open(char) == set()
    closed = Violation.objects.get(characteristic=char, rule=2)
    assert closed.acknowledged_at is not None
    assert closed.reason_code is not None
    assert closed.reason_code.code == "SUPERSEDED"
    assert f"no longer holds after the late sample {late.sample.pk}" in closed.comment
    char.refresh_from_db()
    assert char.revision > 0  # every process rebuilds its window


def test_the_window_after_a_late_sample_is_in_source_time() -> None:
    char = _char()
    for minute in range(1, 9):
        _at(char, minute, 1.0)
    _at(char, 0, -1.0)  # before all: changes no run
    assert _open(char) == set()
    _at(char, 9, 1.0)  # minutes 1..9 on one side: 9 in a row (by id the -1 sat last)
    assert _open(char) == {(9, 2)}


def test_beyond_the_horizon_a_sample_is_stored_flagged_and_nothing_re_evaluated() -> None:
    char = _char(late_horizon=3)
    for minute in range(1, 10):
        _at(char, minute, 1.0)
    before = _open(char)
    late = _at(char, 2, -1.0)  # 7 samples after it > horizon 3
    assert late.sample.arrival == "HORIZON"
    assert late.sample.value == -1.0
    assert late.violations == []
    assert _open(char) == before == {(9, 2)}
    within = _at(char, 8, 1.5)  # 1 sample after it
    assert within.sample.arrival == "LATE"


def test_a_late_sample_in_a_batch_with_newer_ones() -> None:
    char = _char()
    items = [
        SubgroupInput(
            characteristic_id=char.pk,
            measurements=(1.0,),
            timestamp=BASE + timedelta(minutes=m),
            idempotency_key=f"k{m}",
        )
        for m in (1, 2, 3, 4, 9, 5, 6, 7, 8)
    ]
    results = process_many(items)
    assert [r.sample.arrival for r in results] == [""] * 5 + ["LATE"] * 4  # older than 9
    assert _open(char) == {(9, 2)}
    again = process_many(items)  # replays store nothing
    assert not any(r.created for r in again)
    assert Sample.objects.filter(characteristic=char).count() == 9


VALUES = st.sampled_from([-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5])


@settings(max_examples=15)
@given(data=st.data())
def test_any_arrival_order_stores_the_violations_of_the_sorted_batch_scan(data: Any) -> None:
    values = data.draw(st.lists(VALUES, min_size=6, max_size=18))
    order = data.draw(st.permutations(range(len(values))))
    batch = data.draw(st.integers(min_value=1, max_value=4))
    char = _char()
    arrivals = [
        SubgroupInput(
            characteristic_id=char.pk,
            measurements=(values[i],),
            timestamp=BASE + timedelta(minutes=i),
            source="MQTT",
        )
        for i in order
    ]
    for start in range(0, len(arrivals), batch):
        process_many(arrivals[start : start + batch])
    expected = {(s.index, int(s.rule)) for s in scan(values, config_for(char).ruleset)}
    assert _open(char) == expected


def test_a_batch_of_late_samples_splits_at_the_horizon() -> None:
    char = _char(late_horizon=3)
    for minute in range(10, 16):
        _at(char, minute, 0.5)
    items = [
        SubgroupInput(
            characteristic_id=char.pk,
            measurements=(v,),
            timestamp=BASE + timedelta(minutes=m),
        )
        for m, v in ((1, 4.0), (2, 0.5), (14, 4.0), (3, 0.5))
    ]
    results = process_many(items)
    assert [r.sample.arrival for r in results] == ["HORIZON", "HORIZON", "LATE", "HORIZON"]
    assert results[0].violations == []  # beyond: not judged, though beyond the UCL
    assert [v.rule for v in results[2].violations] == [1]
    assert _open(char) == {(14, 1)}


def test_the_sample_detail_shows_source_and_receipt_time_and_the_late_flag(
    client: Any, operator: Any
) -> None:
    char = _char()
    _at(char, 5, 1.0)
    late = _at(char, 1, 1.0)
    client.force_login(operator)
    html = client.get(f"/samples/{late.sample.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'id="sample-arrival">Late, re-evaluated<' in html
    assert "2026-03-01" in html.split('id="sample-source-time">')[1][:40]
    received = html.split('id="sample-received-time">')[1][:40]
    assert str(late.sample.received_at.year) in received


def test_the_chart_shows_a_late_sample_in_its_place() -> None:
    from spc.charts.data import chart_data

    char = _char()
    for minute, value in ((1, 1.0), (3, 3.0), (2, 2.0)):
        _at(char, minute, value)
    assert [p["value"] for p in chart_data(char)["points"]] == [1.0, 2.0, 3.0]


def test_violations_raised_on_later_samples_reach_the_signal(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from spc.pipeline.signals import violations_raised

    char = _char()
    for minute in (1, 2, 3, 4, 6, 7, 8, 9):
        _at(char, minute, 1.0)
    seen: list[tuple[int, int]] = []

    def receiver(sender: Any, results: list[Any], **kwargs: Any) -> None:
        seen.extend((r.sample.pk, v.rule) for r in results for v in r.violations)

    violations_raised.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _at(char, 5, 1.0)
    finally:
        violations_raised.disconnect(receiver)
    ninth = Sample.objects.get(characteristic=char, timestamp=BASE + timedelta(minutes=9))
    assert seen == [(ninth.pk, 2)]


def test_closing_and_reopening_by_late_samples_leave_audit_rows() -> None:
    """Rule 5 (2 of 3 beyond 2σ): 2.5 at minutes 10 and 20 fire at 20. A late 0 at 14 keeps
    it (10, 14, 20); another at 16 breaks it (14, 16, 20): closed by the system; a late 2.5
    at 18 makes it hold again (16, 18, 20): reopened. Each step is in the audit trail."""
    from audit.models import AuditEntry

    char = _char()
    _at(char, 10, 2.5)
    fired = _at(char, 20, 2.5)
    assert _open(char) == {(20, 5)}
    violation = Violation.objects.get(sample=fired.sample, rule=5)
    _at(char, 14, 0.0)
    assert _open(char) == {(20, 5)}
    _at(char, 16, 0.0)
    assert _open(char) == set()
    trail = AuditEntry.objects.filter(object_type="alerts.Violation", object_id=str(violation.pk))
    closed = trail.get(action=AuditEntry.Action.ACKNOWLEDGE)
    assert closed.new["reason_code"] == "SUPERSEDED"
    assert "no longer holds after the late sample" in closed.reason
    _at(char, 18, 2.5)
    assert (20, 5) in _open(char)
    reopened = trail.get(action=AuditEntry.Action.CHANGE)
    assert reopened.old["reason_code"] == "SUPERSEDED"
    assert reopened.new["acknowledged_at"] is None
