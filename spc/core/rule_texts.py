"""The text of a violation's rule, from the characteristic's configured rules.

One function for every place a person reads a rule (pages, the live event, the REST API,
exports): ``rule_text(rule, rules, chart_type)``. A run rule reads its configured length,
count and sigma (Western Electric's rule 2 of length 8 is "8 in a row ...", not Nelson's
9); rule 101 names the secondary chart's statistic ("R beyond its control limits"), and
102-108 read "R: 9 in a row on one side of the centre line" from the ``"secondary"``
entry of the mapping.

The text follows the characteristic's configuration *now*: a violation raised before its
rule was reconfigured reads the new parameters (violations do not store them). A rule that
is switched off, missing or unreadable in the mapping reads Nelson's default text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spc.core.rule_specs import RULE_NAMES, SECONDARY_KEY, describe, spec_from_entry
from spc.core.types import (
    SECONDARY_BEYOND_LIMITS,
    ChartType,
    RuleId,
    base_rule,
    is_secondary_rule,
)

SECONDARY_STATISTIC: dict[str, str] = {
    ChartType.XBAR_R: "R",
    ChartType.XBAR_S: "S",
    ChartType.I_MR: "MR",
}


def secondary_text(chart_type: str | None) -> str:
    """The secondary rule's text: "R beyond its control limits" for X-bar R, "S ..." for
    X-bar S, "MR ..." for I-MR."""
    statistic = SECONDARY_STATISTIC.get(str(chart_type or ""), "Range or spread")
    return f"{statistic} beyond its control limits"


def rule_text(
    rule: int, rules: Mapping[str, Any] | None = None, chart_type: str | None = None
) -> str:
    """Operator-facing text of rule ``rule`` as configured in ``rules`` (the
    characteristic's ``rules`` JSON); ``chart_type`` names the secondary statistic.

    Unknown rule numbers read "Rule <n>"; never raises for odd input.
    """
    try:
        number = int(rule)
    except (TypeError, ValueError):
        return f"Rule {rule}"
    if number == SECONDARY_BEYOND_LIMITS:
        return secondary_text(chart_type)
    if is_secondary_rule(number):
        inner = rules.get(SECONDARY_KEY) if isinstance(rules, Mapping) else None
        statistic = SECONDARY_STATISTIC.get(str(chart_type or ""), "Range or spread")
        return f"{statistic}: {rule_text(base_rule(number), inner)}"
    try:
        rule_id = RuleId(number)
    except ValueError:
        return f"Rule {number}"
    entry = rules.get(str(number)) if isinstance(rules, Mapping) else None
    if isinstance(entry, Mapping):
        try:
            return describe(spec_from_entry(str(number), entry))
        except ValueError:
            pass
    return RULE_NAMES[rule_id]
