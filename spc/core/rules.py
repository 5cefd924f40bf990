"""Nelson run rules 1-8 with parameters, presets, a batch scan and a streaming evaluator.

Every rule reads ``z``: each point's distance from the centre line in sigma units of the
plotted statistic. A rule fires on the point that completes its pattern and fires again on
every further point that completes one (overlapping patterns). Definitions (DESIGN.md),
with the default parameters in brackets:

1. one point beyond ``sigma`` (3);
2. ``length`` (9) points in a row strictly on one side; a point on the centre line breaks
   the run;
3. ``length`` (6) values in a row strictly rising or strictly falling (``length - 1``
   increments); equal neighbours break the trend;
4. ``length`` (14) values in a row alternating up and down; equal neighbours break it;
5. ``count`` (2) of ``length`` (3) points beyond ``sigma`` (2) on one side, the completing
   point among them;
6. ``count`` (4) of ``length`` (5) points beyond ``sigma`` (1) on one side, the completing
   point among them;
7. ``length`` (15) points in a row within ``sigma`` (1) of the centre line;
8. ``length`` (8) points in a row beyond ``sigma`` (1), on either side.

Boundaries: "beyond k sigma" means strictly beyond, so a point exactly on a limit or zone
boundary (within ``zones.BOUNDARY_TOLERANCE``) is not beyond it. Hence rule 7 counts a point
exactly on +/-1 sigma as within, and rule 8 does not count it as beyond. Two neighbours
closer than the tolerance are equal (they break rules 3 and 4).

Rules 5 and 6 near the start of a series: before ``length`` points exist, the points
available are the window (the first two points both beyond 2 sigma already make "two of
three", whatever the third will be), so the pattern fires on the point that completes it.
The run rules (2, 3, 4, 7, 8) need ``length`` points. ``involved`` holds the indices of
the points forming the pattern: the whole run for 2, 3, 4, 7, 8, and the points beyond
for 5 and 6; it always lies within ``[index - length + 1, index]``.

``scan`` evaluates a whole series with numpy; ``latest`` evaluates only the last point of
a tail in O(``max_length``) plain Python. They are independent implementations of the
same definitions, and the test suite checks that they agree.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import numpy.typing as npt

from spc.core.rule_specs import (
    COUNTED,
    DEFAULTS,
    MAX_RUN_LENGTH,
    NELSON,
    RULE_NAMES,
    SIGMA_FREE,
    WESTERN_ELECTRIC,
    check_spec,
    default_spec,
    describe,
    max_length,
    ruleset_from_mapping,
    ruleset_to_mapping,
    spec_from_entry,
)
from spc.core.types import RuleId, RuleSet, RuleSpec, Signal
from spc.core.zones import BOUNDARY_TOLERANCE

__all__ = [
    "COUNTED",
    "DEFAULTS",
    "MAX_RUN_LENGTH",
    "NELSON",
    "RULE_NAMES",
    "SIGMA_FREE",
    "WESTERN_ELECTRIC",
    "check_spec",
    "default_spec",
    "describe",
    "latest",
    "max_length",
    "ruleset_from_mapping",
    "ruleset_to_mapping",
    "scan",
    "spec_from_entry",
]

# --- streaming: the last point of a tail ----------------------------------------------
#
# Each check reads the tail ``z`` (plain floats) and answers for its last point, index
# ``i``: the pattern's indices if the spec completes one there, else None. The newest point
# is tested first and the loops walk backwards, so a typical in-control point costs a few
# comparisons per rule.

_Check = Callable[[RuleSpec, Sequence[float], int], "tuple[int, ...] | None"]


def _whole(start: int, i: int) -> tuple[int, ...]:
    return tuple(range(start, i + 1))


def _check_beyond_limits(spec: RuleSpec, z: Sequence[float], i: int) -> tuple[int, ...] | None:
    last, hi = z[i], spec.sigma + BOUNDARY_TOLERANCE
    return (i,) if last > hi or last < -spec.sigma - BOUNDARY_TOLERANCE else None


def _check_counted(spec: RuleSpec, z: Sequence[float], i: int) -> tuple[int, ...] | None:
    last = z[i]
    hi = spec.sigma + BOUNDARY_TOLERANCE
    lo = -spec.sigma - BOUNDARY_TOLERANCE
    start = max(0, i - spec.length + 1)
    if last > hi:
        hits = [j for j in range(start, i + 1) if z[j] > hi]
    elif last < lo:
        hits = [j for j in range(start, i + 1) if z[j] < lo]
    else:
        return None
    return tuple(hits) if len(hits) >= spec.count else None


def _check_same_side(spec: RuleSpec, z: Sequence[float], i: int) -> tuple[int, ...] | None:
    start = i - spec.length + 1
    if start < 0:
        return None
    tol = BOUNDARY_TOLERANCE
    if z[i] > tol:
        for j in range(i - 1, start - 1, -1):
            if not z[j] > tol:
                return None
    elif z[i] < -tol:
        for j in range(i - 1, start - 1, -1):
            if not z[j] < -tol:
                return None
    else:
        return None
    return _whole(start, i)


def _check_trend(spec: RuleSpec, z: Sequence[float], i: int) -> tuple[int, ...] | None:
    start = i - spec.length + 1
    if start < 0:
        return None
    tol = BOUNDARY_TOLERANCE
    step = z[i] - z[i - 1]
    if step > tol:
        for j in range(i - 1, start, -1):
            if not z[j] - z[j - 1] > tol:
                return None
    elif step < -tol:
        for j in range(i - 1, start, -1):
            if not z[j] - z[j - 1] < -tol:
                return None
    else:
        return None
    return _whole(start, i)


def _check_alternating(spec: RuleSpec, z: Sequence[float], i: int) -> tuple[int, ...] | None:
    start = i - spec.length + 1
    if start < 0:
        return None
    tol = BOUNDARY_TOLERANCE
    step = z[i] - z[i - 1]
    if -tol <= step <= tol:
        return None
    up = step > tol  # direction of the newer step; the one before it must go the other way
    for j in range(i - 1, start, -1):
        step = z[j] - z[j - 1]
        if not (step < -tol if up else step > tol):
            return None
        up = not up
    return _whole(start, i)


def _check_within(spec: RuleSpec, z: Sequence[float], i: int) -> tuple[int, ...] | None:
    start = i - spec.length + 1
    if start < 0:
        return None
    hi = spec.sigma + BOUNDARY_TOLERANCE
    lo = -spec.sigma - BOUNDARY_TOLERANCE
    for j in range(i, start - 1, -1):
        if not lo <= z[j] <= hi:
            return None
    return _whole(start, i)


def _check_beyond_either_side(spec: RuleSpec, z: Sequence[float], i: int) -> tuple[int, ...] | None:
    start = i - spec.length + 1
    if start < 0:
        return None
    hi = spec.sigma + BOUNDARY_TOLERANCE
    lo = -spec.sigma - BOUNDARY_TOLERANCE
    for j in range(i, start - 1, -1):
        if lo <= z[j] <= hi:
            return None
    return _whole(start, i)


_CHECKS: dict[RuleId, _Check] = {
    RuleId.BEYOND_LIMITS: _check_beyond_limits,
    RuleId.SAME_SIDE: _check_same_side,
    RuleId.TREND: _check_trend,
    RuleId.ALTERNATING: _check_alternating,
    RuleId.TWO_OF_THREE_BEYOND_2: _check_counted,
    RuleId.FOUR_OF_FIVE_BEYOND_1: _check_counted,
    RuleId.WITHIN_1: _check_within,
    RuleId.EIGHT_BEYOND_1_EITHER_SIDE: _check_beyond_either_side,
}


def latest(z_tail: Sequence[float], ruleset: RuleSet, offset: int = 0) -> list[Signal]:
    """Signals completed by the last point of ``z_tail``, sorted by rule.

    ``z_tail`` is the newest stretch of the series (any length; only the last
    ``max_length(ruleset)`` values are read) and its first value has index ``offset`` in
    the series. A tail shorter than a rule's length is taken as the start of the series.
    Costs O(``max_length``). Raises ``ValueError`` for NaN or infinity in what it reads.
    """
    specs = ruleset.specs
    if len(z_tail) == 0 or not specs:
        return []
    values = z_tail if len(z_tail) <= ruleset.max_length else z_tail[-ruleset.max_length :]
    try:
        # A finite sum means every value is finite (NaN and infinities carry through a
        # sum); only a sum that is not (or overflowed) looks at each value.
        finite = math.isfinite(sum(values)) or all(map(math.isfinite, values))
    except TypeError:
        raise ValueError("z must be a series of numbers.") from None
    if not finite:
        raise ValueError("z must be finite: NaN or infinity cannot be judged by the rules.")
    base = offset + len(z_tail) - len(values)
    i = len(values) - 1
    out = []
    for spec in specs:
        involved = _CHECKS[spec.rule](spec, values, i)
        if involved is not None:
            if base:
                involved = tuple(j + base for j in involved)
            out.append(Signal(base + i, spec.rule, spec.severity, involved))
    if len(out) > 1:
        out.sort(key=_signal_rule)
    return out


def _signal_rule(signal: Signal) -> int:
    return int(signal.rule)


def _by_rule(spec: RuleSpec) -> int:
    return int(spec.rule)


# --- batch: a whole series ------------------------------------------------------------

BoolArray = npt.NDArray[np.bool_]


def _in_last(condition: BoolArray, n: int) -> npt.NDArray[np.int64]:
    """For each position i, how many of ``condition[max(0, i - n + 1) .. i]`` are True."""
    cumulative = np.cumsum(condition, dtype=np.int64)
    counts = cumulative.copy()
    counts[n:] -= cumulative[:-n]
    return counts


def _full_runs(condition: BoolArray, n: int) -> BoolArray:
    """True at i when the ``n`` values ending at i are all True (False before n exist)."""
    ends = _in_last(condition, n) == n
    ends[: n - 1] = False
    return ends


def _scan_spec(spec: RuleSpec, z: npt.NDArray[np.float64]) -> Iterator[Signal]:
    """The signals of one rule over the series, in index order."""
    tol = BOUNDARY_TOLERANCE
    rule, n, severity = spec.rule, spec.length, spec.severity
    hi = spec.sigma + tol
    lo = -spec.sigma - tol
    above, below = z > hi, z < lo

    if rule == RuleId.BEYOND_LIMITS:
        for i in np.flatnonzero(above | below).tolist():
            yield Signal(i, rule, severity, (i,))
        return
    if rule in COUNTED:
        up = above & (_in_last(above, n) >= spec.count)
        down = below & (_in_last(below, n) >= spec.count)
        for i in np.flatnonzero(up | down).tolist():
            start = max(0, i - n + 1)
            beyond = above if up[i] else below
            hits = np.flatnonzero(beyond[start : i + 1]) + start
            yield Signal(i, rule, severity, tuple(hits.tolist()))
        return

    # ``ends[i]``: the run completing at point i is there.
    ends = np.zeros(z.size, dtype=np.bool_)
    if rule == RuleId.SAME_SIDE:
        ends = _full_runs(z > tol, n) | _full_runs(z < -tol, n)
    elif rule == RuleId.TREND:
        steps = np.diff(z)  # steps[j] = z[j + 1] - z[j]: the step into point j + 1
        ends[1:] = _full_runs(steps > tol, n - 1) | _full_runs(steps < -tol, n - 1)
    elif rule == RuleId.ALTERNATING:
        steps = np.diff(z)
        direction = (steps > tol).astype(np.int8) - (steps < -tol).astype(np.int8)
        # turns[m]: the steps into points m + 1 and m + 2 go opposite ways, both non-zero.
        turns = (direction[1:] != 0) & (direction[1:] == -direction[:-1])
        ends[2:] = _full_runs(turns, n - 2)
    elif rule == RuleId.WITHIN_1:
        ends = _full_runs(~(above | below), n)
    else:  # EIGHT_BEYOND_1_EITHER_SIDE
        ends = _full_runs(above | below, n)
    for i in np.flatnonzero(ends).tolist():
        yield Signal(i, rule, severity, tuple(range(i - n + 1, i + 1)))


def scan(z: Sequence[float] | npt.NDArray[np.float64], ruleset: RuleSet) -> list[Signal]:
    """Every signal over the whole series, sorted by (index, rule).

    ``z[i]`` is point i's distance from the centre line in sigma units of the plotted
    statistic; pass only points that have limits. Raises ``ValueError`` for NaN or infinity.
    """
    try:
        values = np.asarray(z, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("z must be a series of numbers.") from None
    if values.ndim != 1:
        raise ValueError("z must be a flat series of numbers.")
    if not np.isfinite(values).all():
        raise ValueError("z must be finite: NaN or infinity cannot be judged by the rules.")
    if values.size == 0:
        return []
    per_rule = [_scan_spec(spec, values) for spec in sorted(ruleset.specs, key=_by_rule)]
    return list(heapq.merge(*per_rule, key=lambda s: (s.index, int(s.rule))))
