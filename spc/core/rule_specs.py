"""The rules' settings: Nelson's defaults, the Western Electric preset, each rule's text
from its configured parameters, and the per-characteristic ``rules`` mapping parsed and
checked. The checks themselves are in ``spc.core.rules``.

The mapping may hold, under the key ``"secondary"``, a mapping of the same form for the
secondary pane (R, S or MR): which run rules are judged there, with their own severity,
length, count and sigma (``secondary_ruleset_from_mapping``). Without that key the
secondary pane has rule 1 only, CRITICAL, whenever the primary chart's rule 1 is on."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from spc.core.types import RuleId, RuleSet, RuleSpec, Severity

# (length, count, sigma) per rule: Nelson's parameters.
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
# Rules whose pattern is "count of length" rather than a whole run.
COUNTED: frozenset[RuleId] = frozenset({RuleId.TWO_OF_THREE_BEYOND_2, RuleId.FOUR_OF_FIVE_BEYOND_1})
# Rules that do not read a sigma multiple (their ``sigma`` is 0).
SIGMA_FREE: frozenset[RuleId] = frozenset({RuleId.SAME_SIDE, RuleId.TREND, RuleId.ALTERNATING})
# Longest window a rule may be configured to read: bounds the streaming cost.
MAX_RUN_LENGTH = 100
_ENTRY_KEYS = frozenset({"severity", "enabled", "length", "count", "sigma"})
#: The key of the ``rules`` mapping that holds the secondary pane's rules.
SECONDARY_KEY = "secondary"
_SEVERITY_TEXT = "INFORMATIONAL, WARNING or CRITICAL"


def _sigma_text(sigma: float) -> str:
    return f"{sigma:g}σ"


def describe(spec: RuleSpec) -> str:
    """Operator-facing text of a rule, using the spec's own length, count and sigma."""
    n, k, s = spec.length, spec.count, _sigma_text(spec.sigma)
    texts = {
        RuleId.BEYOND_LIMITS: f"1 point beyond {s}",
        RuleId.SAME_SIDE: f"{n} in a row on one side of the centre line",
        RuleId.TREND: f"{n} in a row steadily rising or falling",
        RuleId.ALTERNATING: f"{n} in a row alternating up and down",
        RuleId.TWO_OF_THREE_BEYOND_2: f"{k} of {n} beyond {s} on the same side",
        RuleId.FOUR_OF_FIVE_BEYOND_1: f"{k} of {n} beyond {s} on the same side",
        RuleId.WITHIN_1: f"{n} in a row within {s} of the centre line",
        RuleId.EIGHT_BEYOND_1_EITHER_SIDE: f"{n} in a row beyond {s}, either side",
    }
    return texts[spec.rule]


def default_spec(rule: RuleId, severity: Severity | None = None) -> RuleSpec:
    """A rule with Nelson's parameters; rule 1 is CRITICAL by default, the others WARNING."""
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


# --- configuration -----------------------------------------------------------------------


def check_spec(spec: RuleSpec) -> None:
    """Raise ``ValueError`` when a spec's parameters make no sense for its rule."""
    rule, n, k, s = spec.rule, spec.length, spec.count, spec.sigma
    label = f"Rule {int(rule)}"
    if not isinstance(spec.severity, Severity):
        raise ValueError(f"{label}: severity must be {_SEVERITY_TEXT}.")
    if rule == RuleId.BEYOND_LIMITS:
        if n != 1 or k != 1:
            raise ValueError(f"{label} looks at a single point: its length and count are 1.")
    elif not 2 <= n <= MAX_RUN_LENGTH:
        raise ValueError(f"{label}: length must be between 2 and {MAX_RUN_LENGTH}, not {n}.")
    if rule in (RuleId.TREND, RuleId.ALTERNATING) and n < 3:
        raise ValueError(f"{label}: a trend or an alternation needs a length of at least 3.")
    if k < 1:
        raise ValueError(f"{label}: count must be at least 1, not {k}.")
    if k > n:
        raise ValueError(f"{label}: count ({k}) cannot exceed length ({n}).")
    if rule not in COUNTED and k != n:
        raise ValueError(f"{label}: every point of the run counts, so count must equal length.")
    if not math.isfinite(s):
        raise ValueError(f"{label}: sigma must be a finite number.")
    if rule in SIGMA_FREE:
        if s != 0:
            raise ValueError(f"{label} does not use a sigma multiple; leave sigma out.")
    elif s <= 0:
        raise ValueError(f"{label}: sigma must be a positive multiple, not {s:g}.")


def _whole_number(value: Any, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{label} must be a whole number, not {value!r}.")
    return value


def spec_from_entry(key: Any, entry: Mapping[str, Any]) -> RuleSpec:
    """One rule from its stored JSON entry (``{"severity": ..., "length": ...}``), checked."""
    text = str(key).strip()
    if not text.isdigit() or int(text) not in {r.value for r in RuleId}:
        raise ValueError(f"Unknown rule {key!r}: rules are numbered 1 to 8.")
    rule = RuleId(int(text))
    label = f"Rule {int(rule)}"
    unknown = sorted(set(entry) - _ENTRY_KEYS)
    if unknown:
        raise ValueError(f"{label}: unknown setting(s) {', '.join(map(repr, unknown))}.")
    base = default_spec(rule)
    raw_severity = entry.get("severity", base.severity.value)
    try:
        severity = Severity(raw_severity)
    except ValueError:
        raise ValueError(
            f"{label}: severity must be {_SEVERITY_TEXT}, not {raw_severity!r}."
        ) from None
    length = _whole_number(entry.get("length", base.length), f"{label} length")
    default_count = base.count if rule in COUNTED else length
    count = _whole_number(entry.get("count", default_count), f"{label} count")
    sigma = entry.get("sigma", base.sigma)
    if isinstance(sigma, bool) or not isinstance(sigma, int | float):
        raise ValueError(f"{label}: sigma must be a number, not {sigma!r}.")
    spec = RuleSpec(rule, severity, length, count, float(sigma))
    check_spec(spec)
    return spec


def ruleset_from_mapping(mapping: Mapping[str, Mapping[str, Any]]) -> RuleSet:
    """The stored ``rules`` JSON (``{"1": {"severity": "CRITICAL"}, ...}``) as a rule set.

    A key present means the rule is on, unless its entry says ``"enabled": false``;
    optional ``length``, ``count`` and ``sigma`` override Nelson's parameters (``DEFAULTS``).
    Raises ``ValueError`` with a readable message for an unknown rule id or setting, a bad
    severity, a count above the length, a length out of range, and so on. The
    ``"secondary"`` entry is checked the same way (message prefixed "Secondary pane:") but
    is not part of the returned set (``secondary_ruleset_from_mapping`` reads it).
    """
    if not isinstance(mapping, Mapping):
        raise ValueError("Rules must be a mapping of rule number to its settings.")
    if SECONDARY_KEY in mapping:
        secondary_ruleset_from_mapping(mapping)
    return _parse(mapping)


def _parse(mapping: Mapping[str, Any]) -> RuleSet:
    if not isinstance(mapping, Mapping):
        raise ValueError("Rules must be a mapping of rule number to its settings.")
    specs: dict[RuleId, RuleSpec] = {}
    for key, entry in mapping.items():
        if key == SECONDARY_KEY:
            continue
        entry = {} if entry is None else entry
        if not isinstance(entry, Mapping):
            raise ValueError(f"Rule {key!r}: its settings must be a mapping.")
        enabled = entry.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ValueError(f"Rule {key!r}: enabled must be true or false, not {enabled!r}.")
        spec = spec_from_entry(key, entry)
        if spec.rule in specs:
            raise ValueError(f"Rule {int(spec.rule)} appears more than once.")
        if enabled:
            specs[spec.rule] = spec
    return RuleSet(tuple(specs[rule] for rule in sorted(specs)))


def secondary_ruleset_from_mapping(mapping: Mapping[str, Any]) -> RuleSet | None:
    """The secondary pane's rules from the ``rules`` mapping's ``"secondary"`` entry, or
    None when it has none (then ``default_secondary`` applies). Raises ``ValueError``."""
    if not isinstance(mapping, Mapping) or SECONDARY_KEY not in mapping:
        return None
    inner = mapping[SECONDARY_KEY] or {}
    try:
        if isinstance(inner, Mapping) and SECONDARY_KEY in inner:
            raise ValueError("its rules are numbered 1 to 8; it has no secondary pane itself.")
        return _parse(inner)
    except ValueError as exc:
        raise ValueError(f"Secondary pane: {exc}") from None


def default_secondary(primary: RuleSet) -> RuleSet:
    """The secondary pane's rules when none are configured: rule 1 (beyond 3σ, CRITICAL)
    whenever the primary chart's rule 1 is on, as before secondary rules were settable."""
    if any(spec.rule == RuleId.BEYOND_LIMITS for spec in primary.specs):
        return RuleSet((RuleSpec(RuleId.BEYOND_LIMITS, Severity.CRITICAL, 1, 1, 3.0),))
    return RuleSet(())


def ruleset_to_mapping(ruleset: RuleSet) -> dict[str, dict[str, Any]]:
    """The inverse of ``ruleset_from_mapping``; writes only the non-default parameters."""
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
        out[str(int(spec.rule))] = entry
    return out


def max_length(ruleset: RuleSet) -> int:
    """The longest stretch of points any enabled rule reads (1 for an empty set)."""
    return max((spec.length for spec in ruleset.specs), default=1)
