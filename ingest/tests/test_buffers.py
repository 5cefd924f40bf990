"""Subgroup building: nominal n, trigger, timeout with the partial policy, ack handles."""

from __future__ import annotations

from ingest.buffers import (
    DISCARD,
    DISCARDED,
    EMPTY,
    FULL,
    ON_TRIGGER,
    OVERFLOW,
    TIMEOUT,
    TRIGGER,
    BufferConfig,
    BufferedReading,
    SubgroupBuilder,
    subgroup_key,
)


def reading(value: float, handle: int, key: str | None = None) -> BufferedReading:
    return BufferedReading(value=value, key=key or f"k{handle}", handle=handle)


def test_on_change_closes_at_nominal_n_with_every_handle() -> None:
    builder = SubgroupBuilder()
    builder.configure(BufferConfig(1, subgroup_size=3))
    assert builder.add(1, reading(1.0, 10), now=0) == []
    assert builder.add(1, reading(2.0, 11), now=1) == []
    (closed,) = builder.add(1, reading(3.0, 12), now=2)
    assert closed.outcome == FULL
    assert closed.values == (1.0, 2.0, 3.0)
    assert closed.handles == (10, 11, 12)
    assert closed.idempotency_key == subgroup_key(["k10", "k11", "k12"])
    assert builder.pending() == 0


def test_single_reading_subgroup_keeps_the_reading_key() -> None:
    builder = SubgroupBuilder()
    builder.configure(BufferConfig(1))
    (closed,) = builder.add(1, reading(5.0, 1, key="id:abc"), now=0)
    assert closed.idempotency_key == "id:abc"


def test_on_trigger_closes_when_the_trigger_fires() -> None:
    builder = SubgroupBuilder()
    builder.configure(BufferConfig(2, subgroup_size=5, strategy=ON_TRIGGER))
    for i in range(5):
        assert builder.add(2, reading(float(i), i), now=i) == []
    (dropped,) = builder.add(2, reading(5.0, 5), now=5)
    assert dropped.outcome == OVERFLOW
    assert (dropped.values, dropped.handles) == ((0.0,), (0,))
    (closed,) = builder.trigger(2, now=8, handle=99)
    assert closed.outcome == TRIGGER
    assert closed.values == (1.0, 2.0, 3.0, 4.0, 5.0)
    assert closed.handles == (1, 2, 3, 4, 5, 99)
    (empty,) = builder.trigger(2, now=9, handle=100)
    assert empty.outcome == EMPTY
    assert not empty.should_process
    assert empty.handles == (100,)


def test_timeout_keeps_a_partial_meeting_min_measurements() -> None:
    builder = SubgroupBuilder()
    builder.configure(BufferConfig(3, subgroup_size=5, min_measurements=2, timeout_seconds=10))
    builder.add(3, reading(1.0, 1), now=100)
    builder.add(3, reading(2.0, 2), now=105)
    assert builder.next_deadline() == 110
    assert builder.flush_due(now=109.9) == []
    (closed,) = builder.flush_due(now=110)
    assert closed.outcome == TIMEOUT
    assert closed.should_process
    assert closed.values == (1.0, 2.0)


def test_timeout_discards_below_min_when_the_policy_says_so() -> None:
    builder = SubgroupBuilder()
    builder.configure(
        BufferConfig(
            4, subgroup_size=5, min_measurements=3, timeout_seconds=1, partial_policy=DISCARD
        )
    )
    builder.add(4, reading(1.0, 1), now=0)
    (closed,) = builder.flush_due(now=2)
    assert closed.outcome == DISCARDED
    assert not closed.should_process
    assert closed.handles == (1,)


def test_changed_config_flushes_the_open_buffer() -> None:
    builder = SubgroupBuilder()
    builder.configure(BufferConfig(5, subgroup_size=3))
    builder.add(5, reading(1.0, 1), now=0)
    assert builder.configure(BufferConfig(5, subgroup_size=3)) == []
    (flushed,) = builder.configure(BufferConfig(5, subgroup_size=4))
    assert flushed.values == (1.0,)


def test_subgroup_key_needs_every_reading_key() -> None:
    assert subgroup_key(["a", None]) is None
    assert subgroup_key(["a", "b"]) != subgroup_key(["b", "a"])
