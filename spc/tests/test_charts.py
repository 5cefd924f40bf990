"""The Plotly figure builder: traces by role, limits, bands, funnel, extension for live points."""

from __future__ import annotations

from typing import Any

import pytest

from spc.charts.decorations import band_bounds
from spc.charts.figures import control_figure, point_extension, sparkline_points


def _point(i: int, value: float, **extra: Any) -> dict[str, Any]:
    base = {
        "id": i,
        "timestamp": f"2026-11-23T06:{i:02d}:00+00:00",
        "value": value,
        "secondary_value": 0.5,
        "center_line": 10.0,
        "ucl": 13.0,
        "lcl": 7.0,
        "z": (value - 10.0),
        "zone": None,
        "n": 5,
        "is_undersized": False,
        "is_excluded": False,
        "violations": [],
        "stage": 0,
        "secondary_limits": {"center_line": 0.5, "ucl": 1.1, "lcl": 0.0},
        "observed": value,
    }
    base.update(extra)
    return base


def _data(points: list[dict[str, Any]], **char: Any) -> dict[str, Any]:
    characteristic = {
        "id": 1,
        "name": "Bore",
        "node_id": 1,
        "chart_type": "XBAR_R",
        "subgroup_size": 5,
        "subgroup_mode": "NOMINAL_TOLERANCE",
        "decimal_places": 2,
        "unit": "mm",
    }
    characteristic.update(char)
    return {
        "characteristic": characteristic,
        "limits": {
            "center_line": 10.0,
            "ucl": 13.0,
            "lcl": 7.0,
            "sigma": 2.2,
            "secondary": {"center_line": 0.5, "ucl": 1.1, "lcl": 0.0},
            "usl": 14.0,
            "lsl": 6.0,
            "target": 10.0,
        },
        "points": points,
        "stages": [{"number": 1, "start": None, "created_by": None, "reason": ""}],
    }


def _traces(fig: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["uid"]: t for t in fig["data"]}


def test_xbar_r_figure_is_a_pair_with_secondary_axis():
    fig = control_figure(_data([_point(1, 10.5), _point(2, 9.5)]))
    traces = _traces(fig)
    assert traces["value2"]["yaxis"] == "y2"
    assert traces["value2"]["y"] == [0.5, 0.5]
    assert fig["layout"]["yaxis2"]["title"]["text"] == "R"
    assert traces["value"]["y"] == [10.5, 9.5]


def test_individuals_chart_without_secondary_values_for_attribute_chart():
    fig = control_figure(_data([_point(1, 3.0)], chart_type="C"))
    assert "value2" not in _traces(fig)
    assert "yaxis2" not in fig["layout"]


def test_limit_traces_follow_each_points_limits_for_variable_limits_funnel():
    points = [
        _point(1, 10.0, ucl=14.0, lcl=6.0),
        _point(2, 10.0, ucl=13.0, lcl=7.0),
        _point(3, 10.0, ucl=12.5, lcl=7.5),
    ]
    fig = control_figure(_data(points, subgroup_mode="VARIABLE_LIMITS"))
    traces = _traces(fig)
    assert traces["ucl"]["y"] == [14.0, 13.0, 12.5]
    assert traces["lcl"]["y"] == [6.0, 7.0, 7.5]
    # Stepped half way between points, so each point sits on its own limits.
    assert traces["ucl"]["line"]["shape"] == "hvh"
    # The zone bands follow the funnel point by point.
    assert traces["band_a_upper"]["y"] == [14.0, 13.0, 12.5]
    assert traces["band_c"]["y"] == pytest.approx([10 + 4 / 3, 11.0, 10 + 2.5 / 3])


def test_zone_bands_are_one_two_and_three_sigma_on_both_sides():
    bounds = band_bounds({"center_line": 10.0, "ucl": 13.0, "lcl": 7.0}, "XBAR_R")
    assert bounds == [7.0, 8.0, 9.0, 11.0, 12.0, 13.0]
    traces = _traces(control_figure(_data([_point(1, 10.0)])))
    fills = [traces[uid].get("fill") for uid in ("band_lcl", "band_a_lower", "band_c")]
    assert fills == [None, "tonexty", "tonexty"]


def test_zone_bands_stop_at_a_clipped_lower_limit():
    # c chart, c-bar 1: sigma 1, LCL clipped at 0; the bands keep sigma 1 below CL.
    assert band_bounds({"center_line": 1.0, "ucl": 4.0, "lcl": 0.0}, "C") == [
        0.0,
        0.0,
        0.0,
        2.0,
        3.0,
        4.0,
    ]


def test_standardized_chart_uses_plus_minus_three():
    points = [_point(1, 0.5, center_line=0.0, ucl=3.0, lcl=-3.0)]
    data = _data(points, subgroup_mode="STANDARDIZED")
    fig = control_figure(data)
    assert _traces(fig)["band_a_upper"]["y"] == [3.0]
    # No spec lines on a z scale: USL/LSL are in measurement units.
    assert not [s for s in fig["layout"]["shapes"] if s["name"] in ("usl", "lsl")]
    assert fig["layout"]["yaxis"]["title"]["text"].startswith("z")


def test_spec_limits_drawn_on_a_variables_chart():
    fig = control_figure(_data([_point(1, 10.0)]))
    spec = {s["name"]: s["y0"] for s in fig["layout"]["shapes"] if s["name"] in ("usl", "lsl")}
    assert spec == {"usl": 14.0, "lsl": 6.0}


def test_excluded_point_is_hollow_and_not_a_filled_point():
    fig = control_figure(_data([_point(1, 10.0), _point(2, 11.0, is_excluded=True)]))
    traces = _traces(fig)
    assert traces["excluded"]["customdata"] == [2]
    assert traces["excluded"]["marker"]["symbol"] == "circle-open"
    assert traces["points"]["customdata"] == [1]


def test_violation_points_marked_by_severity_and_newest_open_ones_pulse():
    old = [_point(i, 10.0) for i in range(1, 20)]
    old[0]["violations"] = [{"id": 1, "rule": 1, "severity": "CRITICAL", "acknowledged": False}]
    newest = _point(
        20, 13.5, violations=[{"id": 2, "rule": 1, "severity": "CRITICAL", "acknowledged": False}]
    )
    acked = _point(
        21, 12.5, violations=[{"id": 3, "rule": 5, "severity": "WARNING", "acknowledged": True}]
    )
    traces = _traces(control_figure(_data([*old, newest, acked])))
    assert traces["viol_crit"]["customdata"] == [1, 20]
    assert traces["viol_warn"]["customdata"] == [21]
    # Only the newest unacknowledged violation pulses: the old one is out of the newest ten,
    # the newest warning is acknowledged.
    assert traces["pulse"]["y"] == [13.5]


def test_phase_one_points_have_no_limits_and_no_bands():
    points = [_point(1, 10.0, center_line=None, ucl=None, lcl=None)]
    data = _data(points)
    data["limits"].update(center_line=None, ucl=None, lcl=None)
    fig = control_figure(data)
    assert _traces(fig)["ucl"]["y"] == [None]
    assert _traces(fig)["band_c"]["y"] == [None]


def test_timestamps_are_plotted_in_site_time_without_offset(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    fig = control_figure(_data([_point(1, 10.0)]), axis="time")
    assert _traces(fig)["value"]["x"] == ["2026-11-23 07:01:00.000000"]
    assert fig["layout"]["xaxis"]["type"] == "date"


def test_point_extension_appends_to_value_limits_markers_and_pulse():
    char = {"chart_type": "I_MR", "decimal_places": 1}
    point = _point(7, 13.5)
    ext = point_extension(char, point, [{"id": 9, "rule": 1, "severity": "CRITICAL"}])
    assert ext["value"]["y"] == [13.5]
    assert ext["viol_crit"]["customdata"] == [7]
    assert ext["pulse"]["y"] == [13.5]
    assert ext["value2"]["y"] == [0.5]
    assert "viol_warn" not in ext
    assert "Rule 1" in ext["viol_crit"]["text"][0]


def test_extension_uses_only_trace_roles_the_figure_has():
    data = _data([_point(1, 10.0)])
    uids = set(_traces(control_figure(data)))
    ext = point_extension(data["characteristic"], _point(2, 9.0))
    assert set(ext) <= uids


def test_sparkline_scales_min_to_bottom_and_max_to_top():
    points = sparkline_points([1.0, 3.0, 2.0], 100, 20).split()
    assert points == ["2,18", "50,2", "98,10"]


def test_sparkline_skips_missing_and_draws_flat_series_in_the_middle():
    assert sparkline_points([]) == ""
    coords = sparkline_points([5.0, None, 5.0], 100, 20).split()
    assert len(coords) == 2
    assert all(c.endswith(",10") for c in coords)


def test_cusum_draws_the_lower_sum_below_zero_and_marks_its_signal_there():
    points = [
        _point(1, 0.5, secondary_value=0.0, center_line=0.0, ucl=5.0, lcl=-5.0, z=0.3),
        _point(
            2,
            0.0,
            secondary_value=5.5,
            center_line=0.0,
            ucl=5.0,
            lcl=-5.0,
            z=-3.3,
            violations=[{"id": 1, "rule": 1, "severity": "CRITICAL", "acknowledged": False}],
        ),
    ]
    data = _data(points, chart_type="CUSUM")
    traces = _traces(control_figure(data))
    assert traces["lower"]["y"] == [0.0, -5.5]
    assert traces["value"]["y"] == [0.5, 0.0]
    assert traces["viol_crit"]["y"] == [-5.5]
    assert "value2" not in traces
    ext = point_extension(data["characteristic"], points[1], [points[1]["violations"][0]])
    assert ext["lower"]["y"] == [-5.5]
    assert ext["pulse"]["y"] == [-5.5]


def test_ewma_has_per_point_limits_and_no_zone_bands():
    points = [
        _point(1, 10.1, ucl=10.6, lcl=9.4),
        _point(2, 10.3, ucl=10.77, lcl=9.23),
    ]
    fig = control_figure(_data(points, chart_type="EWMA"))
    assert _traces(fig)["ucl"]["y"] == [10.6, 10.77]
    assert not [uid for uid in _traces(fig) if uid.startswith("band")]
