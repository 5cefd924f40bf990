"""Static SVG charts of the PDF: well-formed, readable axes, and the control chart marks
stages, violations and excluded points as the chart data gives them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from spc.reports import svg
from spc.reports.control_svg import control_chart_svg

NS = "{http://www.w3.org/2000/svg}"
STUDY = {
    "usl": 12.0, "lsl": None, "target": 10.0,
    "characteristic": {"name": "Bore", "unit": "mm", "decimal_places": 2},
    "histogram": {"edges": [9.0, 10.0, 11.0, 12.0], "counts": [2, 5, 1],
                  "curve_x": [8.0, 10.0, 12.0], "curve_y": [0.1, 4.0, 0.1],
                  "curve_y_within": [0.05, 4.5, 0.05]},
}  # fmt: skip


def texts(markup: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(markup).iter(f"{NS}text")]


def test_histogram_svg_has_a_bar_per_bin_both_curves_and_the_set_spec_lines() -> None:
    root = ET.fromstring(svg.histogram_svg(STUDY))
    bars = [r for r in root.iter(f"{NS}rect") if r.get("fill") == svg.BAR]
    assert len(bars) == 3 + 1  # three bins and the legend's swatch
    labels = texts(svg.histogram_svg(STUDY))
    assert "USL" in labels
    assert "Target" in labels
    assert "LSL" not in labels
    assert len(root.findall(f"{NS}polyline")) == 2  # σ overall and σ within


def test_histogram_axes_are_readable_with_unit_and_enough_ticks() -> None:
    labels = texts(svg.histogram_svg(STUDY))
    assert "Bore (mm)" in labels  # the x axis names the value and its unit
    assert "Count (values per bin)" in labels
    # Counts up to 5 (× 1.08): the y axis has whole-number ticks 0, 1, 2, ... 5.
    assert {"0", "1", "2", "3", "4", "5"} <= set(labels)


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 63, [0, 10, 20, 30, 40, 50, 60]),
        (73.9622, 74.0378, [73.97, 73.98, 73.99, 74.0, 74.01, 74.02, 74.03]),
        (-3.4, 3.4, [-3, -2, -1, 0, 1, 2, 3]),
    ],
)
def test_nice_ticks_are_round_steps_inside_the_range(
    low: float, high: float, expected: list[float]
) -> None:
    assert svg.nice_ticks(low, high) == pytest.approx(expected)


def test_count_ticks_are_whole_numbers() -> None:
    assert svg.nice_ticks(0, 2.2, integer=True) == [0, 1, 2]


def test_pareto_svg_escapes_labels_and_handles_no_bars() -> None:
    bars = [{"label": "<script>", "count": 3, "cumulative_percent": 100.0}]
    assert "<script>" in texts(svg.pareto_svg(bars))  # escaped, parsed back
    assert "No violations" in texts(svg.pareto_svg([]))


def test_pareto_svg_wraps_labels_instead_of_cutting_them() -> None:
    # The issue: labels cut to 14 characters read "1 1 point bey…".
    bars = [
        {"label": f"Rule {i}: 1 point beyond 3σ", "count": 9 - i, "cumulative_percent": 0.0}
        for i in range(1, 9)
    ]
    labels = texts(svg.pareto_svg(bars))
    assert labels.count("Rule 1: 1") == 1  # whole words, broken at spaces
    assert labels.count("beyond 3σ") == 8  # the rest of every label on the next line
    assert "100 %" in labels  # the right axis of the cumulative line


def test_wrap_breaks_at_spaces_into_at_most_three_lines() -> None:
    assert svg.wrap("Rule 2: 9 in a row on one side of the centre line", 16) == [
        "Rule 2: 9 in a", "row on one side", "of the centre l…"
    ]  # fmt: skip
    assert svg.wrap("Tool wear", 16) == ["Tool wear"]


def test_pareto_svg_sums_the_tail_into_others() -> None:
    bars = [{"label": f"C{i}", "count": 20 - i, "cumulative_percent": 0.0} for i in range(14)]
    labels = texts(svg.pareto_svg(bars, limit=10))
    assert "Others" in labels
    assert "(5)" in labels
    assert str(sum(20 - i for i in range(9, 14))) in labels


def point(i: int, value: float, stage: int, **extra: object) -> dict[str, object]:
    limits = (10.0, 13.0, 7.0) if stage == 0 else (11.0, 12.5, 9.5)
    return {
        "id": i, "timestamp": f"2026-11-02T{8 + i:02d}:00:00+00:00", "value": value,
        "secondary_value": 1.0, "center_line": limits[0], "ucl": limits[1], "lcl": limits[2],
        "secondary_limits": {"center_line": 1.1, "ucl": 3.7, "lcl": 0.0}, "stage": stage,
        "is_excluded": False, "violations": [], **extra,
    }  # fmt: skip


CHART: dict[str, Any] = {
    "characteristic": {"id": 1, "name": "Shaft", "chart_type": "I_MR", "unit": "mm",
                       "decimal_places": 2, "subgroup_mode": "NOMINAL_TOLERANCE"},
    "stages": [{"number": 1}, {"number": 2}],
    "points": [
        point(0, 10.2, 0), point(1, 9.8, 0),
        point(2, 13.4, 0, violations=[{"rule": 1, "severity": "CRITICAL"}]),
        point(3, 11.0, 1, is_excluded=True),
        point(4, 11.3, 1, violations=[{"rule": 6, "severity": "WARNING"}]),
    ],
}  # fmt: skip


def test_control_chart_svg_marks_stages_violations_and_excluded_points() -> None:
    markup = control_chart_svg(CHART)
    root = ET.fromstring(markup)
    labels = texts(markup)
    assert "Stage 1" in labels
    assert "Stage 2" in labels
    diamonds = [p.get("fill") for p in root.iter(f"{NS}polygon")]
    assert diamonds.count("#cf222e") == 1 + 1  # the critical point and its legend entry
    assert diamonds.count("#d4a72c") == 1 + 1  # the warning point and its legend entry
    rings = [c for c in root.iter(f"{NS}circle") if c.get("fill") == "white"]
    assert len(rings) == 2 + 1  # the excluded point on both panes, and its legend entry
    # Each stage's own limits, labelled at the right with the newest point's.
    assert "UCL 12.50" in labels
    assert "LCL 9.50" in labels
    assert "Individuals (mm)" in labels
    assert "Moving range (mm)" in labels


def test_control_chart_svg_of_no_points_says_so() -> None:
    assert "No samples in this period." in texts(control_chart_svg({**CHART, "points": []}))


def test_control_chart_svg_spells_x_bar_for_the_pdf() -> None:
    # WeasyPrint's SVG text prints a combining macron apart from its letter ("X◌̄").
    chart = {**CHART, "characteristic": {**CHART["characteristic"], "chart_type": "XBAR_R"}}
    labels = texts(control_chart_svg(chart))
    assert "X-bar (mm)" in labels
    assert not any("\u0304" in label for label in labels)
