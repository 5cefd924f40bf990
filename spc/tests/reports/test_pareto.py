"""Violation analysis: Pareto bars, time to acknowledge, open violations."""

from __future__ import annotations

import pytest

from spc.reports.pareto import (
    UNACKNOWLEDGED_LABEL,
    acknowledgement_summary,
    pareto,
    pareto_by,
    unacknowledged,
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
    assert bars[0].label.startswith("1 ")


def test_pareto_by_reason_code_puts_open_violations_in_their_own_bar(dataset: Dataset) -> None:
    bars = pareto_by(ReportScope(node=dataset.plant["line"]), "reason_code")
    counts = {b.label: b.count for b in bars}
    assert counts == {"Tool wear": 2, "Material lot": 1, UNACKNOWLEDGED_LABEL: 3}


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


def test_violation_analysis_is_json_ready(dataset: Dataset) -> None:
    import json

    data = violation_analysis(ReportScope())
    assert set(data["pareto"]) == {"rule", "reason_code", "characteristic"}
    json.dumps(data)
