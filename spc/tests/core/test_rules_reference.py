"""Zone and Nelson-rule cases of ``shared/validation/reference-cases.json``.

Each case becomes one test. A few cases follow a peer product's convention that DESIGN.md
rejects; they sit in ``ZONE_OVERRIDES`` / ``RULE_OVERRIDES`` with the reason, and the test
asserts the DESIGN.md behaviour for them instead.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from spc.core.rules import NELSON, default_spec, latest, max_length, scan
from spc.core.types import RuleId, RuleSet, Zone
from spc.core.zones import BOUNDARY_TOLERANCE, classify
from spc.tests.core.validation import validation_file

CASES_FILE = validation_file()


def _cases(chart_type: str) -> list[Any]:
    if not CASES_FILE.exists() and not os.environ.get("CI"):  # shared/ beside the repo
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{CASES_FILE} missing"))]
    cases = json.loads(CASES_FILE.read_text())["cases"]
    return [pytest.param(c, id=c["name"]) for c in cases if c["chart_type"] == chart_type]


PEER_BANDS = (
    "the peer product closes every band at its lower edge, so +1/+2/+3 sigma and the centre "
    "line fall in the outer band; DESIGN.md: boundaries are symmetric and a point exactly on "
    "a boundary is not beyond it (inner band), a point on the centre line is on neither side"
)
ZONE_OVERRIDES: dict[str, tuple[Zone, str]] = {
    "zone_130.0": (Zone.A_UPPER, PEER_BANDS),
    "zone_120.0": (Zone.B_UPPER, PEER_BANDS),
    "zone_110.0": (Zone.C_UPPER, PEER_BANDS),
    "zone_100.0": (Zone.CENTER, PEER_BANDS),
}

COMPLETING_POINT = (
    "the peer fires rules 5/6 on any point whose window holds the pattern; DESIGN.md: the "
    "rule fires on the point that completes the pattern, itself one of the points beyond. "
    "The pattern was completed earlier, so the signal is there and the last point is quiet"
)
# name -> (every (index, involved) the DESIGN behaviour gives for the case's rule, reason)
RULE_OVERRIDES: dict[str, tuple[list[tuple[int, tuple[int, ...]]], str]] = {
    "nelson_r5_two_of_three_upper": ([(1, (0, 1))], COMPLETING_POINT),
    "nelson_r5_beyond_counts": ([(1, (0, 1))], COMPLETING_POINT),
    "nelson_r6_zone_a_and_beyond_count": ([(3, (0, 1, 2, 3))], COMPLETING_POINT),
    "nelson_r8_exactly_plus_1_sigma": (
        [],
        "the peer counts a point exactly on +1 sigma as beyond it; DESIGN.md: a point "
        "exactly on a zone boundary is not beyond it",
    ),
}


def _z(case: dict[str, Any]) -> list[float]:
    inputs = case["inputs"]
    return [(v - inputs["center_line"]) / inputs["sigma"] for v in inputs["values"]]


def _ruleset(case: dict[str, Any]) -> RuleSet:
    inputs = case["inputs"]
    if inputs.get("rules") == "all":
        return NELSON
    return RuleSet((default_spec(RuleId(inputs["rule_id"])),))


@pytest.mark.parametrize("case", _cases("zones"))
def test_zone_case(case: dict[str, Any]) -> None:
    inputs, expected = case["inputs"], case["expected"]
    if "zone" not in expected:
        # Boundary positions: each k-sigma line is the last value of its inner band.
        cl, sigma = inputs["center_line"], inputs["sigma"]
        tolerance = case["tolerance"]["*"]
        for k, name in ((1, "1"), (2, "2"), (3, "3")):
            for sign, prefix in ((1, "plus"), (-1, "minus")):
                line = expected[f"{prefix}_{name}_sigma"]
                assert line == pytest.approx(cl + sign * k * sigma, abs=tolerance)
                # The published line, converted to z, is on the boundary: inner band.
                z = (line - cl) / sigma
                assert abs(z - sign * k) <= BOUNDARY_TOLERANCE
                assert classify(z) is classify(sign * (k - 0.5))
                # A hair further out is the next band.
                outer = classify((line + sign * sigma * 1e-6 - cl) / sigma)
                assert outer is classify(sign * (k + 0.5))
        return
    z = (inputs["value"] - inputs["center_line"]) / inputs["sigma"]
    want = Zone(expected["zone"])
    if case["name"] in ZONE_OVERRIDES:
        design, reason = ZONE_OVERRIDES[case["name"]]
        assert design is not want, f"override no longer needed: {reason}"
        want = design
    assert classify(z) is want


@pytest.mark.parametrize("case", _cases("nelson_rule"))
def test_rule_case(case: dict[str, Any]) -> None:
    z = _z(case)
    ruleset = _ruleset(case)
    signals = scan(z, ruleset)
    last = len(z) - 1
    window = max_length(ruleset)
    streamed = latest(z[-window:], ruleset, offset=max(0, len(z) - window))
    assert streamed == [s for s in signals if s.index == last]
    expected = case["expected"]

    if "triggered_rules_include" in expected:
        assert {int(s.rule) for s in streamed} >= set(expected["triggered_rules_include"])
        return

    if case["name"] in RULE_OVERRIDES:
        design, reason = RULE_OVERRIDES[case["name"]]
        peer_fires_last = expected["triggered"]
        design_fires_last = any(index == last for index, _ in design)
        assert peer_fires_last != design_fires_last, f"override no longer needed: {reason}"
        assert [(s.index, s.involved) for s in signals] == design
        return

    assert bool(streamed) is expected["triggered"]
    if expected["triggered"]:
        (signal,) = streamed
        assert len(signal.involved) == expected["involved_count"]
        assert signal.involved[-1] == last
