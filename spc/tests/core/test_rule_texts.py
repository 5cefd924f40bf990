"""Rule texts from the configured rule (issue 26, point 6): Western Electric's rule 2 of
length 8 reads "8 in a row", and rule 101 names the secondary chart's statistic."""

from __future__ import annotations

import pytest

from spc.core.rule_specs import WESTERN_ELECTRIC, ruleset_to_mapping
from spc.core.rule_texts import rule_text
from spc.core.types import SECONDARY_BEYOND_LIMITS

WE = ruleset_to_mapping(WESTERN_ELECTRIC)


def test_western_electric_rule_2_reads_its_configured_length() -> None:
    assert rule_text(2, WE) == "8 in a row on one side of the centre line"
    assert "9 in a row" not in rule_text(2, WE)


def test_nelson_defaults_without_a_configuration() -> None:
    assert rule_text(2) == "9 in a row on one side of the centre line"
    assert rule_text(1, {}) == "1 point beyond 3σ"


def test_count_length_and_sigma_as_configured() -> None:
    rules = {"5": {"severity": "WARNING", "length": 7, "count": 5, "sigma": 1.5}}
    assert rule_text(5, rules) == "5 of 7 beyond 1.5σ on the same side"
    assert rule_text(7, {"7": {"length": 12, "sigma": 0.8}}) == (
        "12 in a row within 0.8σ of the centre line"
    )


def test_a_rule_switched_off_or_unreadable_reads_the_default() -> None:
    assert (
        rule_text(2, {"2": {"enabled": False, "length": 8}})
        == "8 in a row on one side of the centre line"
    )
    assert rule_text(2, {"2": {"length": "eight"}}) == "9 in a row on one side of the centre line"
    assert rule_text(3, {"3": "nonsense"}) == "6 in a row steadily rising or falling"


@pytest.mark.parametrize(
    ("chart", "text"),
    [
        ("XBAR_R", "R beyond its control limits"),
        ("XBAR_S", "S beyond its control limits"),
        ("I_MR", "MR beyond its control limits"),
        (None, "Range or spread beyond its control limits"),
    ],
)
def test_the_secondary_rule_names_the_statistic(chart: str | None, text: str) -> None:
    assert rule_text(SECONDARY_BEYOND_LIMITS, WE, chart) == text


def test_unknown_rules_never_raise() -> None:
    assert rule_text(42) == "Rule 42"
    assert rule_text("x") == "Rule x"
