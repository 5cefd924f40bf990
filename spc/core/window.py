"""A bounded, ordered tail of a characteristic's charted points with their keys."""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable
from itertools import islice

from spc.core.types import Point


class RollingWindow:
    """The newest ``capacity`` points (oldest first) and the key of each (its sample id).

    ``total`` counts every point ever appended (including those loaded by ``from_points``),
    so index ``total - len(window) + k`` names the k-th point held: the run rules report
    indices in that numbering and the new point being evaluated has index ``total``.
    """

    def __init__(self, capacity: int) -> None:
        """An empty window that keeps at most ``capacity`` points (at least 1)."""
        if capacity < 1:
            raise ValueError("A window holds at least one point.")
        self.capacity = capacity
        self._points: deque[Point] = deque(maxlen=capacity)
        self._keys: deque[Hashable] = deque(maxlen=capacity)
        self._z: deque[float | None] = deque(maxlen=capacity)
        self._run = 0  # how many of the newest held points have a z, back to one without
        self._run2 = 0  # ... have a z and a secondary value (R, S or MR)
        self.total = 0

    @classmethod
    def from_points(cls, points: Iterable[tuple[Point, Hashable]], capacity: int) -> RollingWindow:
        """A window holding the last ``capacity`` of ``points`` (oldest first)."""
        window = cls(capacity)
        for point, key in points:
            window.append(point, key)
        return window

    def append(self, point: Point, key: Hashable) -> None:
        """Add the newest point; the oldest falls out beyond the capacity."""
        self._points.append(point)
        self._keys.append(key)
        self._z.append(point.z)
        self._run = 0 if point.z is None else min(self._run + 1, self.capacity)
        judged = point.z is not None and point.secondary_value is not None
        self._run2 = min(self._run2 + 1, self.capacity) if judged else 0
        self.total += 1

    def rekey(self, mapping: dict[Hashable, Hashable]) -> None:
        """Replace the keys of the newest points that ``mapping`` holds (placeholders
        become stored ids), from the newest back to the first key it does not hold.

        Placeholders are the keys of the points appended since the last store, so they
        are always the newest; the pipeline rekeys every window a batch touched, and
        rebuilding whole windows cost more than the few keys that change.
        """
        keys = self._keys
        index = len(keys) - 1
        while index >= 0 and keys[index] in mapping:
            keys[index] = mapping[keys[index]]
            index -= 1

    def newest_key(self) -> Hashable | None:
        """The key of the newest point, or None for an empty window."""
        return self._keys[-1] if self._keys else None

    def points(self) -> tuple[Point, ...]:
        """The held points, oldest first."""
        return tuple(self._points)

    def keys(self) -> tuple[Hashable, ...]:
        """The held points' keys, oldest first."""
        return tuple(self._keys)

    def last(self) -> Point | None:
        """The newest point, or None for an empty window."""
        return self._points[-1] if self._points else None

    def z_tail(self) -> list[float]:
        """z of the trailing run of held points that have one, oldest first.

        Phase-I points (no limits yet) have ``z`` None. Going backwards from the newest
        point, the tail stops at the first point whose ``z`` is None, so the rules never
        read across a stretch without limits: the first point after it is the start of the
        series for them. The first value of the tail has index ``total - len(tail)``.
        """
        if not self._run:
            return []
        return list(islice(self._z, len(self._z) - self._run, None))  # type: ignore[arg-type]

    def secondary_tail(self, limit: int) -> list[float]:
        """The secondary values (R, S or MR) of the trailing run of held points that have
        both a z and one, at most the newest ``limit``, oldest first.

        Like ``z_tail``, the run stops at a Phase-I point and at a point without a secondary
        value (the first point of an I-MR chart), so the secondary pane's rules never read
        across either. The first value has index ``total - len(tail)``. O(``limit``).
        """
        count = min(self._run2, limit)
        if count <= 0:
            return []
        points = self._points
        size = len(points)
        return [points[k].secondary_value for k in range(size - count, size)]  # type: ignore[misc]

    def __len__(self) -> int:
        """How many points the window holds now (at most ``capacity``)."""
        return len(self._points)
