"""Figures by stage, the sequence axis, secondary-pane markers and labelled readings."""

from __future__ import annotations

import json
from typing import Any

import pytest

from spc.charts.figures import control_figure, figure_json, point_extension
from spc.charts.style import reading
from spc.core.types import SECONDARY_BEYOND_LIMITS
from spc.tests.test_charts import _data, _point, _traces


def _staged() -> dict[str, Any]:
    points = [_point(i, 10.0 + (i % 3) / 10) for i in range(1, 5)]
    points += [_point(i, 11.0, center_line=11.0, ucl=12.5, lcl=9.5, stage=1) for i in range(5, 8)]
    for p in points[4:]:
        p["secondary_limits"] = {"center_line": 0.4, "ucl": 0.9, "lcl": 0.0}
    data = _data(points)
    data["stages"] = [
        {"number": 1, "start": "2026-11-23T06:00:00+00:00", "created_by": "olga", "reason": "a"},
        {
            "number": 2,
            "start": "2026-11-23T06:04:30+00:00",
            "created_by": "olga",
            "reason": "new tool",
        },
    ]
    return data


def test_points_are_equally_spaced_by_order_with_times_as_tick_labels(settings):
    settings.TIME_ZONE = "UTC"
    fig = control_figure(_data([_point(i, 10.0) for i in (1, 2, 30)]))
    assert _traces(fig)["value"]["x"] == [1, 2, 3]
    axis = fig["layout"]["xaxis"]
    assert axis["tickvals"] == [1, 2, 3]
    assert axis["ticktext"] == ["06:01", "06:02", "06:30"]
    assert "06:30" in _traces(fig)["points"]["text"][2]  # the time is in the hover


def test_each_stage_keeps_its_limits_in_both_panes_with_a_marker_between():
    fig = control_figure(_staged())
    traces = _traces(fig)
    assert traces["ucl"]["y"] == [13.0] * 4 + [12.5] * 3
    assert traces["ucl2"]["y"] == [1.1] * 4 + [0.9] * 3
    assert traces["band_a_upper"]["y"] == [13.0] * 4 + [12.5] * 3
    markers = [s for s in fig["layout"]["shapes"] if s["name"] == "stage"]
    assert [(m["x0"], m["yref"]) for m in markers] == [(4.5, "paper")]
    label = next(a for a in fig["layout"]["annotations"] if a.get("name") == "stage_label")
    assert label["text"].startswith("Stage 2 · 23 Nov")
    assert "olga · new tool" in label["text"]


def test_a_range_point_beyond_its_limits_is_marked_on_the_secondary_pane():
    rule = {"id": 5, "rule": SECONDARY_BEYOND_LIMITS, "severity": "CRITICAL", "acknowledged": False}
    points = [_point(1, 10.0), _point(2, 10.1, secondary_value=1.4, violations=[rule])]
    traces = _traces(control_figure(_data(points)))
    assert traces["viol2"]["y"] == [1.4]
    assert traces["viol2"]["customdata"] == [2]
    assert traces["viol2"]["yaxis"] == "y2"
    assert traces["viol_crit"]["y"] == []  # the X-bar point itself is in control


def test_a_live_point_extends_the_secondary_limits_of_its_stage():
    char = {"id": 1, "chart_type": "XBAR_R", "decimal_places": 2, "unit": "mm"}
    ext = point_extension(char, _point(9, 10.2))
    assert ext["ucl2"]["y"] == [1.1]
    assert ext["band_a_upper"]["y"] == [13.0]


@pytest.mark.parametrize(
    ("char", "sample", "measured", "statistic"),
    [
        (  # issue 26: Leak rate, mean 2.024 plotted as z 0.47
            {"chart_type": "XBAR_S", "subgroup_mode": "STANDARDIZED", "unit": "ml/min"},
            {"mean": 2.024, "value": 0.47, "z": 0.47, "center_line": 0.0, "n": 5},
            "x̄ = 2.024 ml/min",
            "z = 0.47",
        ),
        (  # Tool wear: C+ 0.39 is not millimetres of wear
            {"chart_type": "CUSUM", "unit": "mm", "decimal_places": 2},
            {"mean": 0.21, "value": 0.39, "secondary_value": 0.0, "center_line": 0.2, "n": 1},
            "x = 0.21 mm",
            "C⁺ = 0.39, C⁻ = 0.00 mm",
        ),
        (
            {"chart_type": "EWMA", "unit": "°C", "decimal_places": 2},
            {"mean": 42.5, "value": 42.13, "center_line": 42.0, "n": 1},
            "x = 42.50 °C",
            "EWMA = 42.13 °C",
        ),
        (
            {"chart_type": "P", "unit": ""},
            {"count": 4.0, "sample_size": 100.0, "value": 0.04, "center_line": 0.04, "n": 100},
            "p = 4.0 %",
            "",
        ),
        (
            {"chart_type": "NP", "unit": "parts"},
            {"count": 3.0, "sample_size": 200.0, "value": 3.0, "center_line": 3.1, "n": 200},
            "np = 3 parts",
            "",
        ),
        (  # before limits a STANDARDIZED chart has no z yet
            {"chart_type": "XBAR_S", "subgroup_mode": "STANDARDIZED", "unit": "ml/min"},
            {"mean": 2.05314, "value": 2.05314, "z": None, "center_line": None, "n": 5},
            "x̄ = 2.053 ml/min",
            "",
        ),
    ],
)
def test_a_reading_labels_the_measurement_and_the_plotted_statistic(
    char, sample, measured, statistic
):
    shown = reading(char, sample)
    assert shown["measured"] == measured
    assert shown["statistic"] == statistic


@pytest.mark.parametrize("chart_type", ["XBAR_R", "CUSUM", "P", "EWMA"])
def test_a_live_point_extends_every_trace_as_a_reload_would_draw_it(chart_type):
    rule = {"id": 5, "rule": 1, "severity": "CRITICAL", "acknowledged": False}
    point = _point(3, 12.0, secondary_value=1.4, z=-3.5, violations=[rule])
    data = _data([point], chart_type=chart_type)
    figure = _traces(control_figure(data, axis="time"))
    extension = point_extension(data["characteristic"], point, [rule])
    assert set(extension) == {uid for uid, trace in figure.items() if trace["y"]}
    for uid, columns in extension.items():
        for key, values in columns.items():
            assert figure[uid][key] == values, (uid, key)


def test_the_embedded_figure_cannot_close_its_script_element():
    figure = {"layout": {"title": "</script><script>alert(1)</script> & more"}}
    text = str(figure_json(figure))
    assert "<" not in text
    assert ">" not in text
    assert "&" not in text
    assert json.loads(text) == figure
