"""RollingWindow: bounded order, keys, total count and the z tail the rules read."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spc.core.rules import NELSON, latest, max_length, scan
from spc.core.types import Point
from spc.core.window import RollingWindow


def charted(z: float | None, value: float = 10.0) -> Point:
    """A point with limits (z set) or a Phase-I point (z None)."""
    if z is None:
        return Point(value=value, n=1)
    return Point(value=value, n=1, center_line=10.0, ucl=13.0, lcl=7.0, z=z)


def test_empty_window() -> None:
    window = RollingWindow(3)
    assert len(window) == 0
    assert window.total == 0
    assert window.last() is None
    assert window.points() == ()
    assert window.keys() == ()
    assert window.z_tail() == []


def test_append_drops_the_oldest_beyond_capacity_and_counts_every_point() -> None:
    window = RollingWindow(3)
    for key in range(5):
        window.append(charted(float(key)), key)
    assert len(window) == 3
    assert window.total == 5
    assert window.keys() == (2, 3, 4)
    assert [p.z for p in window.points()] == [2.0, 3.0, 4.0]
    last = window.last()
    assert last is not None
    assert last.z == 4.0


def test_from_points_keeps_the_newest_and_counts_all() -> None:
    window = RollingWindow.from_points(((charted(i / 10), f"s{i}") for i in range(6)), 4)
    assert window.keys() == ("s2", "s3", "s4", "s5")
    assert window.total == 6
    assert window.capacity == 4


def test_rekey_replaces_the_newest_placeholders_and_keeps_the_rest() -> None:
    window = RollingWindow(4)
    for key in (6, 7, 8, -1, -2):
        window.append(charted(0.0), key)
    window.rekey({-1: 21, -2: 22, 7: 99})  # 7 lies behind 8, which it does not hold
    assert window.keys() == (7, 8, 21, 22)
    window.append(charted(0.0), -1)
    window.rekey({-1: 23})
    assert window.keys() == (8, 21, 22, 23)
    window.rekey({})
    assert window.keys() == (8, 21, 22, 23)


def test_z_tail_stops_at_the_newest_point_without_limits() -> None:
    zs = [0.1, None, 0.2, None, 0.3, -0.4, 0.5]
    window = RollingWindow.from_points(((charted(z), i) for i, z in enumerate(zs)), 10)
    assert window.z_tail() == [0.3, -0.4, 0.5]
    window.append(charted(None), 7)
    assert window.z_tail() == []


def test_z_tail_of_a_window_with_limits_throughout() -> None:
    window = RollingWindow.from_points(((charted(z), i) for i, z in enumerate([1.0, 2.0])), 5)
    assert window.z_tail() == [1.0, 2.0]


@pytest.mark.parametrize("capacity", [0, -1])
def test_capacity_must_be_positive(capacity: int) -> None:
    with pytest.raises(ValueError, match="at least one point"):
        RollingWindow(capacity)


def test_window_offsets_reproduce_the_batch_scan() -> None:
    """Feeding points one at a time through a window of max_length finds the scan's signals."""
    zs = [0.5] * 10 + [2.5, 0.0, 2.6, -3.2] + [0.1 * i for i in range(8)] + [1.5, -1.5] * 6
    window = RollingWindow(max_length(NELSON))
    streamed = []
    for key, z in enumerate(zs):
        tail = window.z_tail()
        streamed.extend(latest([*tail, z], NELSON, offset=window.total - len(tail)))
        window.append(charted(z), key)
    assert streamed == scan(zs, NELSON)
    assert streamed  # the series above does fire rules


@given(
    capacity=st.integers(min_value=1, max_value=12),
    zs=st.lists(
        st.one_of(st.none(), st.floats(min_value=-5, max_value=5, allow_nan=False)), max_size=40
    ),
)
def test_the_kept_z_tail_is_the_trailing_run_of_held_points_with_a_z(
    capacity: int, zs: list[float | None]
) -> None:
    window = RollingWindow(capacity)
    for i, z in enumerate(zs):
        window.append(charted(z), i)
        held = [p.z for p in window.points()]
        expected: list[float] = []
        for value in reversed(held):  # the definition: back from the newest to a None
            if value is None:
                break
            expected.insert(0, value)
        assert window.z_tail() == expected
