"""Hypothesis properties of the run rules: streaming equals batch, symmetry, stability."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from spc.core.rules import (
    COUNTED,
    NELSON,
    SIGMA_FREE,
    WESTERN_ELECTRIC,
    latest,
    max_length,
    ruleset_from_mapping,
    ruleset_to_mapping,
    scan,
)
from spc.core.types import RuleId, RuleSet, RuleSpec, Severity
from spc.core.zones import BOUNDARY_TOLERANCE

TOL = BOUNDARY_TOLERANCE
BOUNDARIES = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
# Exact boundaries, noise inside the tolerance, and real steps just past it, on both sides.
EDGE_VALUES = sorted(
    {
        sign * (b + d)
        for b in BOUNDARIES
        for d in (0.0, TOL / 2, -TOL / 2, 2 * TOL, -2 * TOL)
        for sign in (1.0, -1.0)
    }
)

z_value = st.one_of(
    st.sampled_from(EDGE_VALUES),
    st.floats(min_value=-4.5, max_value=4.5, allow_nan=False, allow_infinity=False),
    st.sampled_from([-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5]),
)


@st.composite
def segment(draw: st.DrawFn) -> list[float]:
    """A stretch that tends to complete patterns: a run, a ramp or a zig-zag."""
    k = draw(st.integers(min_value=1, max_value=18))
    kind = draw(st.sampled_from(["run", "ramp", "zigzag", "free"]))
    if kind == "run":
        return [draw(z_value)] * k
    if kind == "ramp":
        start = draw(z_value)
        step = draw(st.sampled_from([0.0, TOL / 2, 0.1, -0.1, 0.5, -0.25]))
        return [start + i * step for i in range(k)]
    if kind == "zigzag":
        a, b = draw(z_value), draw(z_value)
        return [a if i % 2 == 0 else b for i in range(k)]
    return draw(st.lists(z_value, min_size=k, max_size=k))


patterned = st.lists(segment(), max_size=6).map(lambda parts: [v for p in parts for v in p])
series = st.one_of(st.lists(z_value, max_size=60), patterned)


@st.composite
def rule_specs(draw: st.DrawFn, rule: RuleId) -> RuleSpec:
    severity = draw(st.sampled_from(list(Severity)))
    if rule == RuleId.BEYOND_LIMITS:
        return RuleSpec(rule, severity, 1, 1, draw(st.sampled_from([1.0, 2.0, 2.5, 3.0])))
    low = 3 if rule in (RuleId.TREND, RuleId.ALTERNATING) else 2
    length = draw(st.integers(min_value=low, max_value=16))
    count = draw(st.integers(min_value=1, max_value=length)) if rule in COUNTED else length
    sigma = 0.0 if rule in SIGMA_FREE else draw(st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0]))
    return RuleSpec(rule, severity, length, count, sigma)


@st.composite
def rulesets(draw: st.DrawFn) -> RuleSet:
    chosen = draw(st.sets(st.sampled_from(list(RuleId))))
    specs = [draw(rule_specs(rule)) for rule in sorted(chosen)]
    return draw(st.sampled_from([RuleSet(tuple(specs)), NELSON, WESTERN_ELECTRIC]))


def streamed(z: list[float], ruleset: RuleSet) -> list:
    length = max_length(ruleset)
    out = []
    for i in range(len(z)):
        start = max(0, i + 1 - length)
        out.extend(latest(z[start : i + 1], ruleset, offset=start))
    return out


@settings(max_examples=300, deadline=None)
@given(series, rulesets())
def test_streaming_equals_batch(z: list[float], ruleset: RuleSet) -> None:
    assert streamed(z, ruleset) == scan(z, ruleset)


@settings(max_examples=100, deadline=None)
@given(series, rulesets(), st.integers(min_value=0, max_value=10))
def test_streaming_with_a_longer_tail_reads_only_what_it_needs(
    z: list[float], ruleset: RuleSet, extra: int
) -> None:
    # A tail longer than max_length (as the pipeline may pass) gives the same signals.
    length = max_length(ruleset) + extra
    out = []
    for i in range(len(z)):
        start = max(0, i + 1 - length)
        out.extend(latest(z[start : i + 1], ruleset, offset=start))
    assert out == scan(z, ruleset)


@settings(max_examples=100, deadline=None)
@given(series.filter(bool), st.floats(min_value=8.0, max_value=1e6))
def test_a_shifted_series_fires_rule_1_on_every_point(z: list[float], shift: float) -> None:
    lift = shift + max(abs(v) for v in z)
    big = [v + lift for v in z]  # every point now lies at least 8 sigma above the centre
    signals = scan(big, NELSON)
    rule1 = [s.index for s in signals if s.rule == RuleId.BEYOND_LIMITS]
    assert rule1 == list(range(len(big)))
    below = scan([-v for v in big], NELSON)
    assert [s.index for s in below if s.rule == RuleId.BEYOND_LIMITS] == rule1


@settings(max_examples=200, deadline=None)
@given(series, rulesets())
def test_negating_z_maps_signals_to_the_same_points(z: list[float], ruleset: RuleSet) -> None:
    # Rules 2, 5 and 6 are side-specific; the others are symmetric too (a falling trend
    # mirrors a rising one), so every rule fires at the same points with the same pattern.
    assert scan([-v for v in z], ruleset) == scan(z, ruleset)


@settings(max_examples=200, deadline=None)
@given(series, series, rulesets())
def test_appending_points_never_changes_earlier_signals(
    z: list[float], more: list[float], ruleset: RuleSet
) -> None:
    longer = scan(z + more, ruleset)
    assert [s for s in longer if s.index < len(z)] == scan(z, ruleset)


@settings(max_examples=200, deadline=None)
@given(series, rulesets())
def test_signals_are_sorted_and_involve_their_window(z: list[float], ruleset: RuleSet) -> None:
    specs = {spec.rule: spec for spec in ruleset.specs}
    signals = scan(z, ruleset)
    keys = [(s.index, int(s.rule)) for s in signals]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    for signal in signals:
        spec = specs[signal.rule]
        assert signal.severity is spec.severity
        assert signal.involved == tuple(sorted(set(signal.involved)))
        assert signal.involved[-1] == signal.index
        assert signal.involved[0] >= signal.index - spec.length + 1
        assert len(signal.involved) >= spec.count
        if signal.rule not in COUNTED:
            assert len(signal.involved) == spec.length


@settings(max_examples=200, deadline=None)
@given(rulesets())
def test_mapping_round_trip(ruleset: RuleSet) -> None:
    assert ruleset_from_mapping(ruleset_to_mapping(ruleset)) == ruleset
