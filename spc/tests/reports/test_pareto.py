"""Violation analysis: Pareto bars, time to acknowledge, open violations."""

from __future__ import annotations

import pytest

from alerts.tests.factories import ViolationFactory
from spc.reports.pareto import (
    acknowledgement_summary,
    open_groups,
    pareto,
    pareto_by,
    unacknowledged,
    unacknowledged_page,
    violation_analysis,
)
from spc.reports.scope import ReportScope
from spc.tests.reports.conftest import Dataset


def test_pareto_sorts_largest_first_with_cumulative_percent() -> None:
    bars = pareto([("a", "A", 1), ("b", "B", 6), ("c", "C", 3), ("z", "Z", 0)])
    assert [b.key for b in bars] == ["b", "c", "a"]
    assert [b.percent for b in bars] == pytest.approx([60.0, 30.0, 10.0])
    assert [b.cumulative_percent for b in bars] == pytest.approx([60.0, 90.0, 100.0])


def test_pareto_of_nothing_is_empty() -> None:
    assert pareto([]) == []


def test_pareto_by_rule_counts_the_subtree_only(dataset: Dataset) -> None:
    bars = pareto_by(ReportScope(node=dataset.plant["line"]), "rule")
    # Line subtree: rule 1 ×3, rule 2, rule 5, rule 3 (Width); the other line's is outside.
    assert [(b.key, b.count) for b in bars] == [("1", 3), ("2", 1), ("3", 1), ("5", 1)]
    # "Rule 1: 1 point beyond 3σ", not the rule number run into the rule's text.
    assert bars[0].label.startswith("Rule 1: ")
    assert bars[0].label.endswith("3σ")


def test_pareto_by_reason_code_ranks_the_reasons_of_acknowledged_violations(
    dataset: Dataset,
) -> None:
    # The issue: an "(not acknowledged)" bar made the reason-code cumulative line start at
    # (nearly) 100 %. The Pareto ranks causes; open violations are counted beside it.
    bars = pareto_by(ReportScope(node=dataset.plant["line"]), "reason_code")
    assert [(b.label, b.count) for b in bars] == [("Tool wear", 2), ("Material lot", 1)]
    assert [b.cumulative_percent for b in bars] == pytest.approx([200 / 3, 100.0])
    summary = acknowledgement_summary(ReportScope(node=dataset.plant["line"]))
    assert summary["unacknowledged"] == 3


def test_pareto_by_characteristic(dataset: Dataset) -> None:
    bars = pareto_by(ReportScope(), "characteristic")
    assert [(b.label, b.count) for b in bars] == [("Bore", 5), ("Elsewhere", 1), ("Width", 1)]


def test_unknown_dimension_is_rejected(dataset: Dataset) -> None:
    with pytest.raises(ValueError, match="dimension"):
        pareto_by(ReportScope(), "colour")


def test_mean_time_to_acknowledge_in_minutes(dataset: Dataset) -> None:
    summary = acknowledgement_summary(ReportScope(node=dataset.plant["line"]))
    assert summary == {
        "total": 6, "acknowledged": 3, "unacknowledged": 3,
        "mean_minutes_to_acknowledge": pytest.approx(20.0),
        "max_minutes_to_acknowledge": pytest.approx(30.0),
    }  # fmt: skip


def test_unacknowledged_lists_open_violations_oldest_first(dataset: Dataset) -> None:
    rows = unacknowledged(ReportScope(node=dataset.plant["line"]))
    # Width's rule 3 at day 0 08:00, then Bore's rule 1 (+18 h) and rule 5 (+24 h).
    assert [r["rule"] for r in rows] == [3, 1, 5]
    assert all(r["rule_name"] for r in rows)


def test_unacknowledged_page_paginates_with_a_count(dataset: Dataset) -> None:
    scope = ReportScope(node=dataset.plant["line"])
    first = unacknowledged_page(scope, 1, per_page=2)
    assert first.paginator.count == 3
    assert [r["rule"] for r in first.object_list] == [3, 1]
    second = unacknowledged_page(scope, "2", per_page=2)
    assert [r["rule"] for r in second.object_list] == [5]
    assert unacknowledged_page(scope, "nonsense", per_page=2).number == 1


def test_open_groups_count_open_violations_per_characteristic_and_rule(
    dataset: Dataset,
) -> None:
    for sample in dataset.bore.samples.order_by("id")[5:8]:  # three more open rule-1 hits
        ViolationFactory(sample=sample, rule=1, created_at=sample.timestamp)
    groups = open_groups(ReportScope(node=dataset.plant["line"]))
    assert [(g["characteristic__name"], g["rule"], g["n"]) for g in groups] == [
        ("Bore", 1, 4), ("Bore", 5, 1), ("Width", 3, 1)
    ]  # fmt: skip
    assert groups[0]["rule_label"].startswith("Rule 1: ")


def test_violation_analysis_is_json_ready(dataset: Dataset) -> None:
    import json

    data = violation_analysis(ReportScope())
    assert set(data["pareto"]) == {"rule", "reason_code", "characteristic"}
    json.dumps(data)


def test_open_violations_read_their_characteristics_configured_rule(dataset: Dataset) -> None:
    from spc.core.rule_specs import WESTERN_ELECTRIC, ruleset_to_mapping

    dataset.bore.rules = ruleset_to_mapping(WESTERN_ELECTRIC)  # rule 2 of length 8
    dataset.bore.save()
    sample = dataset.bore.samples.order_by("id")[6]
    ViolationFactory(sample=sample, rule=2, severity="WARNING", created_at=sample.timestamp)
    scope = ReportScope(node=dataset.plant["line"])
    groups = {(g["characteristic__name"], g["rule"]): g for g in open_groups(scope)}
    assert groups[("Bore", 2)]["rule_label"] == "Rule 2: 8 in a row on one side of the centre line"
    page = unacknowledged_page(scope, 1)
    assert {r["rule_name"] for r in page.object_list if r["rule"] == 2} == {
        "8 in a row on one side of the centre line"
    }
