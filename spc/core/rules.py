"""Nelson run rules 1-8 with parameters, presets, a batch scan and a streaming evaluator.

Every rule reads ``z``: each point's distance from the centre line in sigma units of the
plotted statistic. A rule fires on the point that completes its pattern and fires again on
every further point that completes one (overlapping patterns). Definitions (DESIGN.md):

1. one point beyond ``sigma`` (3) -- strictly: a point on the limit is not beyond it;
2. ``length`` (9) in a row strictly on one side; a point on the centre line breaks the run;
3. ``length`` (6) values in a row strictly rising or strictly falling; equal neighbours break;
4. ``length`` (14) values alternating up and down; equal neighbours break;
5. ``count`` (2) of ``length`` (3) beyond ``sigma`` (2) on one side, the completing point
   among them;
6. ``count`` (4) of ``length`` (5) beyond ``sigma`` (1) on one side, the completing point
   among them;
7. ``length`` (15) in a row within ``sigma`` (1) of the centre (on the boundary is within);
8. ``length`` (8) in a row beyond ``sigma`` (1), on either side.

``scan`` evaluates every point of a series; ``latest`` evaluates only the last point of a
tail and costs O(``max_length``). Both use the same per-point test, so they agree.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from spc.core.types import RuleId, RuleSet, RuleSpec, Severity, Signal
from spc.core.zones import BOUNDARY_TOLERANCE, beyond, side

# (length, count, sigma) per rule.
DEFAULTS: dict[RuleId, tuple[int, int, float]] = {
    RuleId.BEYOND_LIMITS: (1, 1, 3.0),
    RuleId.SAME_SIDE: (9, 9, 0.0),
    RuleId.TREND: (6, 6, 0.0),
    RuleId.ALTERNATING: (14, 14, 0.0),
    RuleId.TWO_OF_THREE_BEYOND_2: (3, 2, 2.0),
    RuleId.FOUR_OF_FIVE_BEYOND_1: (5, 4, 1.0),
    RuleId.WITHIN_1: (15, 15, 1.0),
    RuleId.EIGHT_BEYOND_1_EITHER_SIDE: (8, 8, 1.0),
}
COUNTED = (RuleId.TWO_OF_THREE_BEYOND_2, RuleId.FOUR_OF_FIVE_BEYOND_1)
MAX_RUN_LENGTH = 100


def _fmt(sigma: float) -> str:
    return f"{sigma:g}σ"


def describe(spec: RuleSpec) -> str:
    """Operator-facing text of a rule with its own parameters."""
    n, k, s = spec.length, spec.count, spec.sigma
    texts = {
        RuleId.BEYOND_LIMITS: f"One point beyond {_fmt(s)}",
        RuleId.SAME_SIDE: f"{n} points in a row on one side of the centre line",
        RuleId.TREND: f"{n} points in a row steadily rising or falling",
        RuleId.ALTERNATING: f"{n} points in a row alternating up and down",
        RuleId.TWO_OF_THREE_BEYOND_2: f"{k} of {n} points beyond {_fmt(s)} on one side",
        RuleId.FOUR_OF_FIVE_BEYOND_1: f"{k} of {n} points beyond {_fmt(s)} on one side",
        RuleId.WITHIN_1: f"{n} points in a row within {_fmt(s)} of the centre line",
        RuleId.EIGHT_BEYOND_1_EITHER_SIDE: f"{n} points in a row beyond {_fmt(s)}, either side",
    }
    return texts[spec.rule]


def default_spec(rule: RuleId, severity: Severity | None = None) -> RuleSpec:
    """A rule with its Nelson parameters (rule 1 critical, the others warnings by default)."""
    length, count, sigma = DEFAULTS[rule]
    if severity is None:
        severity = Severity.CRITICAL if rule == RuleId.BEYOND_LIMITS else Severity.WARNING
    return RuleSpec(rule, severity, length, count, sigma)


RULE_NAMES: dict[RuleId, str] = {rule: describe(default_spec(rule)) for rule in RuleId}
NELSON = RuleSet(tuple(default_spec(rule) for rule in RuleId))
WESTERN_ELECTRIC = RuleSet(
    (
        default_spec(RuleId.BEYOND_LIMITS),
        RuleSpec(RuleId.SAME_SIDE, Severity.WARNING, 8, 8, 0.0),
        default_spec(RuleId.TWO_OF_THREE_BEYOND_2),
        default_spec(RuleId.FOUR_OF_FIVE_BEYOND_1),
    )
)


def _positive_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{what} must be a whole number of at least 1, not {value!r}.")
    return value


def spec_from_mapping(key: str, entry: Mapping[str, Any]) -> RuleSpec:
    """One rule from its stored JSON entry, checked."""
    try:
        rule = RuleId(int(key))
    except (TypeError, ValueError):
        raise ValueError(f"Unknown rule {key!r}: rules are numbered 1 to 8.") from None
    base = default_spec(rule)
    try:
        severity = Severity(entry.get("severity", base.severity.value))
    except ValueError:
        raise ValueError(f"Rule {rule.value}: severity must be WARNING or CRITICAL.") from None
    length = _positive_int(entry.get("length", base.length), f"Rule {rule.value} length")
    counted = rule in COUNTED
    count = _positive_int(entry.get("count", base.count if counted else length), "count")
    sigma = entry.get("sigma", base.sigma)
    if isinstance(sigma, bool) or not isinstance(sigma, int | float) or sigma < 0:
        raise ValueError(f"Rule {rule.value}: sigma must be a non-negative number.")
    if rule == RuleId.BEYOND_LIMITS and length != 1:
        raise ValueError("Rule 1 looks at one point: its length is 1.")
    if rule != RuleId.BEYOND_LIMITS and not 2 <= length <= MAX_RUN_LENGTH:
        raise ValueError(f"Rule {rule.value}: length must be between 2 and {MAX_RUN_LENGTH}.")
    if rule in (RuleId.TREND, RuleId.ALTERNATING) and length < 3:
        raise ValueError(f"Rule {rule.value}: a trend or alternation needs at least 3 points.")
    if count > length:
        raise ValueError(f"Rule {rule.value}: count ({count}) exceeds length ({length}).")
    if not counted and count != length:
        raise ValueError(f"Rule {rule.value}: every point of the run counts (count = length).")
    return RuleSpec(rule, severity, length, count, float(sigma))


def ruleset_from_mapping(mapping: Mapping[str, Mapping[str, Any]]) -> RuleSet:
    """The stored ``rules`` JSON (``{"1": {"severity": "CRITICAL"}, ...}``) as a rule set.

    A key present means the rule is on unless its entry says ``"enabled": false``; optional
    ``length``, ``count`` and ``sigma`` override the Nelson parameters. Raises ``ValueError``
    with a readable message for anything invalid.
    """
    if not isinstance(mapping, Mapping):
        raise ValueError("Rules must be a mapping of rule number to settings.")
    specs = []
    for key in sorted(mapping, key=lambda k: str(k).zfill(3)):
        entry = mapping[key] or {}
        if not isinstance(entry, Mapping):
            raise ValueError(f"Rule {key}: settings must be a mapping.")
        if entry.get("enabled", True) is False:
            continue
        specs.append(spec_from_mapping(str(key), entry))
    if len({s.rule for s in specs}) != len(specs):
        raise ValueError("Each rule may appear once.")
    return RuleSet(tuple(sorted(specs, key=lambda s: s.rule)))


def ruleset_to_mapping(ruleset: RuleSet) -> dict[str, dict[str, Any]]:
    """The inverse of ``ruleset_from_mapping``, writing only non-default parameters."""
    out: dict[str, dict[str, Any]] = {}
    for spec in ruleset.specs:
        length, count, sigma = DEFAULTS[spec.rule]
        entry: dict[str, Any] = {"severity": spec.severity.value}
        if spec.length != length:
            entry["length"] = spec.length
        if spec.rule in COUNTED and spec.count != count:
            entry["count"] = spec.count
        if spec.sigma != sigma:
            entry["sigma"] = spec.sigma
        out[str(spec.rule.value)] = entry
    return out


def max_length(ruleset: RuleSet) -> int:
    """The longest stretch of points any enabled rule reads (1 for an empty set)."""
    return max((spec.length for spec in ruleset.specs), default=1)


def _same_side_run(z: Sequence[float], i: int, n: int) -> bool:
    first = side(z[i])
    return first != 0 and all(side(z[j]) == first for j in range(i - n + 1, i))


def _trend(z: Sequence[float], i: int, n: int) -> bool:
    steps = [z[j] - z[j - 1] for j in range(i - n + 2, i + 1)]
    return all(d > BOUNDARY_TOLERANCE for d in steps) or all(d < -BOUNDARY_TOLERANCE for d in steps)


def _alternating(z: Sequence[float], i: int, n: int) -> bool:
    steps = [z[j] - z[j - 1] for j in range(i - n + 2, i + 1)]
    signs = [side(d) for d in steps]
    return all(s != 0 for s in signs) and all(a == -b for a, b in itertools.pairwise(signs))


def _involved(spec: RuleSpec, z: Sequence[float], i: int) -> tuple[int, ...] | None:
    """The pattern's indices if ``spec`` is completed by point ``i`` of ``z``, else None."""
    n, rule = spec.length, spec.rule
    if i + 1 < n:
        return None
    window = tuple(range(i - n + 1, i + 1))
    if rule == RuleId.BEYOND_LIMITS:
        return (i,) if beyond(z[i], spec.sigma) else None
    if rule == RuleId.SAME_SIDE:
        return window if _same_side_run(z, i, n) else None
    if rule == RuleId.TREND:
        return window if _trend(z, i, n) else None
    if rule == RuleId.ALTERNATING:
        return window if _alternating(z, i, n) else None
    if rule in COUNTED:
        direction = beyond(z[i], spec.sigma)
        if direction == 0:
            return None
        hits = tuple(j for j in window if beyond(z[j], spec.sigma) == direction)
        return hits if len(hits) >= spec.count else None
    if rule == RuleId.WITHIN_1:
        return window if all(beyond(z[j], spec.sigma) == 0 for j in window) else None
    # EIGHT_BEYOND_1_EITHER_SIDE
    return window if all(beyond(z[j], spec.sigma) != 0 for j in window) else None


def _signals_at(z: Sequence[float], i: int, ruleset: RuleSet, offset: int) -> list[Signal]:
    out = []
    for spec in ruleset.specs:
        involved = _involved(spec, z, i)
        if involved is not None:
            out.append(
                Signal(i + offset, spec.rule, spec.severity, tuple(j + offset for j in involved))
            )
    return out


def scan(z: Sequence[float], ruleset: RuleSet) -> list[Signal]:
    """Every signal over the whole series, sorted by (index, rule)."""
    values = [float(v) for v in z]
    out: list[Signal] = []
    for i in range(len(values)):
        out.extend(_signals_at(values, i, ruleset, 0))
    return out


def latest(z_tail: Sequence[float], ruleset: RuleSet, offset: int = 0) -> list[Signal]:
    """Signals completed by the last point of ``z_tail`` (indices shifted by ``offset``)."""
    if not z_tail:
        return []
    keep = max_length(ruleset)
    values = [float(v) for v in z_tail[-keep:]]
    shift = offset + len(z_tail) - len(values)
    return _signals_at(values, len(values) - 1, ruleset, shift)
