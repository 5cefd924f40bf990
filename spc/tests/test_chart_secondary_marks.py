"""Where the chart draws secondary-pane run rules (102-108) and INFORMATIONAL violations:
on the R/S/MR pane by severity, and muted without a pulse (presentation only, no DB)."""

from __future__ import annotations

from spc.charts.figures import control_figure, point_extension
from spc.tests.test_charts import _data, _point, _traces


def _violation(rule: int, severity: str) -> dict[str, object]:
    return {"id": rule, "rule": rule, "severity": severity, "acknowledged": False}


def test_a_run_on_the_r_pane_is_marked_there_by_severity():
    run = _violation(102, "WARNING")
    points = [
        _point(1, 10.0, secondary_value=1.2),
        _point(2, 10.0, secondary_value=1.3, violations=[run]),
        _point(3, 10.0, secondary_value=0.1, violations=[_violation(105, "INFORMATIONAL")]),
    ]
    traces = _traces(control_figure(_data(points)))
    assert traces["viol2_warn"]["y"] == [1.3]
    assert traces["viol2_warn"]["yaxis"] == "y2"
    assert traces["viol2_info"]["y"] == [0.1]
    assert traces["viol2"]["y"] == []
    assert traces["viol_warn"]["y"] == []  # nothing on the X-bar pane
    assert traces["pulse"]["y"] == []  # halos mark the X-bar pane only, as for rule 101


def test_an_informational_violation_is_muted_and_never_pulses():
    info = _violation(5, "INFORMATIONAL")
    points = [_point(1, 10.0), _point(2, 12.4, violations=[info])]
    traces = _traces(control_figure(_data(points)))
    assert traces["viol_info"]["y"] == [12.4]
    assert traces["viol_warn"]["y"] == []
    assert traces["pulse"]["y"] == []


def test_a_live_point_extends_the_same_traces():
    char = {"id": 1, "chart_type": "XBAR_R", "decimal_places": 2, "unit": "mm"}
    ext = point_extension(char, _point(9, 10.2, secondary_value=1.5), [_violation(103, "CRITICAL")])
    assert ext["viol2"]["y"] == [1.5]
    assert "viol_crit" not in ext
