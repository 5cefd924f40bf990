"""Plotly figures for control charts, built from ``spc.charts.data`` dicts (presentation only).

Nothing here queries or writes the database and nothing recomputes statistics: every value,
limit and stage comes from the chart data. The figure is a plain JSON-able dict
(``{"data": [...], "layout": {...}}``) that ``static/js/live.js`` hands to ``Plotly.react``.

Points are equally spaced by subgroup order (x = 1, 2, ... in the window; the time is in the
hover and the tick labels); ``axis="time"`` plots them at their times instead. Each trace
carries a stable ``uid`` (its role), so the browser can append a live point to the right
traces with ``Plotly.extendTraces`` using :func:`point_extension`:

- ``cl`` / ``ucl`` / ``lcl`` each point's limits (its stage's: stepped half way between
  points where a stage or a funnel changes them); ``band_*`` the zone bands A/B/C between
  them, per point, on the Shewhart charts;
- ``value`` line through every point; ``points`` filled markers of included points;
  ``excluded`` hollow markers; ``viol_warn`` / ``viol_crit`` violation markers by severity,
  ``viol_info`` small muted ones for INFORMATIONAL violations (never pulsing);
  ``pulse`` halos on the newest open violations (CSS animates ``.tracepulse``);
  ``lower`` CUSUM's −C⁻;
- ``value2`` the secondary (R, S or MR) chart with ``cl2`` / ``ucl2`` / ``lcl2`` its stage's
  limits and ``viol2`` (critical), ``viol2_warn`` and ``viol2_info`` the points with a
  secondary-pane violation (rules 101-108: rule k on the R, S or MR series).

Stage markers (a dotted line and "Stage n · when · who · why") are layout shapes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson
from django.utils.safestring import SafeString, mark_safe

from spc.charts import quality_marks
from spc.charts.decorations import (
    BANDS,
    band_bounds,
    decorations,
    has_bands,
    stage_markers,
    time_ticks,
)
from spc.charts.part_marks import part_marks
from spc.charts.style import (
    COLOURS,
    PROPORTION_CHARTS,
    PULSE_NEWEST,
    has_secondary,
    hover_text,
    plot_time,
    plot_times,
    secondary_hover,
    sparkline_points,
    titles,
)
from spc.core.types import is_secondary_rule

__all__ = ["control_figure", "figure_json", "point_extension", "sparkline_points"]

STEP = {"shape": "hvh", "width": 1.5}
COLUMNS = ("x", "y", "customdata", "text")
"""The per-point columns of a trace (what ``extendTraces`` appends)."""


def cusum_lower(point: Mapping[str, Any]) -> float | None:
    """CUSUM's lower sum C⁻ drawn below zero (the secondary value is its size)."""
    value = point.get("secondary_value")
    return None if value is None else -abs(value)


def marker_y(point: Mapping[str, Any], chart_type: str) -> float | None:
    """Where a point's marker sits: on the plotted value, or for a CUSUM signal from the
    lower sum (z below zero) on the −C⁻ line."""
    z = point.get("z")
    if chart_type == "CUSUM" and z is not None and z < 0:
        return cusum_lower(point)
    return point.get("value")


def _trace(uid: str, **attrs: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"uid": uid, "type": "scatter", "x": [], "y": [], "showlegend": False}
    base.update(attrs)
    return base


def _markers(uid: str, **marker: Any) -> dict[str, Any]:
    return _trace(
        uid,
        mode="markers",
        marker=marker,
        customdata=[],
        text=[],
        hovertemplate="%{text}<extra></extra>",
    )


def _line(uid: str, colour: str, dash: str = "solid", **axes: Any) -> dict[str, Any]:
    return _trace(
        uid, mode="lines", line={**STEP, "color": colour, "dash": dash}, hoverinfo="skip", **axes
    )


def _empty_traces(chart_type: str) -> list[dict[str, Any]]:
    traces = []
    if has_bands(chart_type):
        for uid, zone in BANDS:
            band = _trace(uid, mode="lines", line={"shape": "hvh", "width": 0}, hoverinfo="skip")
            if zone is not None:
                band.update(fill="tonexty", fillcolor=COLOURS[zone])
            traces.append(band)
    traces += [
        _line("cl", COLOURS["center"]),
        _line("ucl", COLOURS["limit"], "dash"),
        _line("lcl", COLOURS["limit"], "dash"),
        _trace(
            "value", mode="lines", line={"color": COLOURS["value"], "width": 2}, hoverinfo="skip"
        ),
        _markers("points", color=COLOURS["value"], size=9),
        _markers("excluded", symbol="circle-open", color=COLOURS["value"], size=11),
        _markers("viol_warn", color=COLOURS["warn"], size=13, symbol="diamond"),
        _markers("viol_crit", color=COLOURS["crit"], size=13, symbol="diamond"),
        _markers(
            "viol_info", color=COLOURS["info"], size=14, symbol="diamond-open", line={"width": 2}
        ),
        _trace(
            "pulse",
            mode="markers",
            marker={"color": "rgba(207,34,46,0.35)", "size": 26},
            hoverinfo="skip",
        ),
    ]
    if chart_type == "CUSUM":
        lower = _trace(
            "lower",
            mode="lines+markers",
            line={"color": COLOURS["spec"], "width": 2},
            marker={"size": 6},
            customdata=[],
            hovertemplate="−C⁻ %{y}<extra></extra>",
        )
        traces.insert(traces.index(next(t for t in traces if t["uid"] == "value")), lower)
    if has_secondary(chart_type):
        pane = {"xaxis": "x2", "yaxis": "y2"}
        traces += [
            _line("cl2", COLOURS["center"], **pane),
            _line("ucl2", COLOURS["limit"], "dash", **pane),
            _line("lcl2", COLOURS["limit"], "dash", **pane),
            _trace(
                "value2",
                mode="lines+markers",
                line={"color": COLOURS["value"], "width": 1.5},
                marker={"size": 6},
                customdata=[],
                text=[],
                hovertemplate="%{text}<extra></extra>",
                **pane,
            ),
            {**_markers("viol2_info", color=COLOURS["info"], size=13, symbol="diamond-open")}
            | pane,
            {**_markers("viol2_warn", color=COLOURS["warn"], size=12, symbol="diamond"), **pane},
            {**_markers("viol2", color=COLOURS["crit"], size=12, symbol="diamond"), **pane},
        ]
    return traces


def _violation_severity(point: Mapping[str, Any], *, secondary: bool = False) -> str | None:
    """The most severe violation of the point on one pane (primary: rules 1-8; secondary:
    101-108), or None."""
    severities = {
        v.get("severity")
        for v in point.get("violations") or ()
        if is_secondary_rule(v.get("rule")) == secondary
    }
    for severity in ("CRITICAL", "WARNING", "INFORMATIONAL"):
        if severity in severities:
            return severity
    return None


SECONDARY_ROLES = {"CRITICAL": "viol2", "WARNING": "viol2_warn", "INFORMATIONAL": "viol2_info"}


def _has_open_violation(point: Mapping[str, Any]) -> bool:
    """An unacknowledged violation that needs an acknowledgement (not INFORMATIONAL)."""
    return any(
        not v.get("acknowledged") and v.get("severity") != "INFORMATIONAL"
        for v in point.get("violations") or ()
    )


def _marker_roles(point: Mapping[str, Any], *, pulse: bool) -> list[str]:
    """The primary-pane marker traces a point belongs to, besides the ``value`` line."""
    roles = ["excluded" if point.get("is_excluded") else "points"]
    severity = _violation_severity(point)
    if severity == "CRITICAL":
        roles.append("viol_crit")
    elif severity == "WARNING":
        roles.append("viol_warn")
    elif severity == "INFORMATIONAL":
        roles.append("viol_info")
    if severity and pulse and _has_open_violation(point) and not point.get("is_excluded"):
        roles.append("pulse")
    return roles


def _add(
    traces: dict[str, dict[str, Any]],
    char: Mapping[str, Any],
    point: Mapping[str, Any],
    x: Any,
    time: str,
    *,
    pulse: bool,
) -> None:
    """Append one point to each trace it belongs to (the live extension). ``_fill`` does
    the same for a whole figure column by column; a test holds the two together, so a
    live point looks exactly like a reloaded one."""
    chart_type = char["chart_type"]
    if "band_c" in traces:
        bands = band_bounds(point, chart_type, char.get("limit_sigma") or 3.0)
        for (uid, _), y in zip(BANDS, bands, strict=True):
            _append(traces[uid], x, y)
    _append(traces["cl"], x, point.get("center_line"))
    _append(traces["ucl"], x, point.get("ucl"))
    _append(traces["lcl"], x, point.get("lcl"))
    _append(traces["value"], x, point.get("value"))
    if "lower" in traces:
        _append(traces["lower"], x, cusum_lower(point), customdata=point["id"])
    if "value2" in traces:
        limits = point.get("secondary_limits") or {}
        _append(traces["cl2"], x, limits.get("center_line"))
        _append(traces["ucl2"], x, limits.get("ucl"))
        _append(traces["lcl2"], x, limits.get("lcl"))
    _add_markers(traces, char, point, x, time, pulse=pulse)


def _add_markers(
    traces: dict[str, dict[str, Any]],
    char: Mapping[str, Any],
    point: Mapping[str, Any],
    x: Any,
    time: str,
    *,
    pulse: bool,
) -> None:
    """Append a point to the marker traces it belongs to, with its hover text."""
    text = hover_text(char, point, time)
    y = marker_y(point, char["chart_type"])
    for role in _marker_roles(point, pulse=pulse):
        if role == "pulse":
            _append(traces[role], x, y)
        else:
            _append(traces[role], x, y, customdata=point["id"], text=text)
    if "value2" in traces:
        second = (x, point.get("secondary_value"))
        text2 = secondary_hover(char, point)
        _append(traces["value2"], *second, customdata=point["id"], text=text2)
        severity2 = _violation_severity(point, secondary=True)
        if severity2 is not None:
            _append(traces[SECONDARY_ROLES[severity2]], *second, customdata=point["id"], text=text2)


def _append(trace: dict[str, Any], x: Any, y: Any, **extra: Any) -> None:
    trace["x"].append(x)
    trace["y"].append(y)
    for key, value in extra.items():
        trace[key].append(value)


def _fill(
    traces: dict[str, dict[str, Any]],
    char: Mapping[str, Any],
    points: Sequence[Mapping[str, Any]],
    xs: Sequence[Any],
    times: Sequence[str],
) -> None:
    """All points at once, column by column (what ``_add`` does point by point: a test
    holds the two together)."""
    chart_type = char["chart_type"]
    if "band_c" in traces:
        k = char.get("limit_sigma") or 3.0
        bounds = [band_bounds(p, chart_type, k) for p in points]
        for j, (uid, _) in enumerate(BANDS):
            traces[uid].update(x=list(xs), y=[b[j] for b in bounds])
    for uid, key in (("cl", "center_line"), ("ucl", "ucl"), ("lcl", "lcl"), ("value", "value")):
        traces[uid].update(x=list(xs), y=[p.get(key) for p in points])
    if "lower" in traces:
        traces["lower"].update(
            x=list(xs), y=[cusum_lower(p) for p in points], customdata=[p["id"] for p in points]
        )
    if "value2" in traces:
        limits = [p.get("secondary_limits") or {} for p in points]
        for uid, key in (("cl2", "center_line"), ("ucl2", "ucl"), ("lcl2", "lcl")):
            traces[uid].update(x=list(xs), y=[lim.get(key) for lim in limits])
    newest_ids = {p["id"] for p in points[-PULSE_NEWEST:]}
    for point, x, time in zip(points, xs, times, strict=True):
        _add_markers(traces, char, point, x, time, pulse=point["id"] in newest_ids)


def _xaxis(axis: str, points: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    if axis == "time":
        return {"type": "date", "automargin": True}
    ticks, labels = time_ticks(points)
    return {
        "type": "linear",
        "automargin": True,
        "tickmode": "array",
        "tickvals": ticks,
        "ticktext": labels,
        "range": [0.5, max(len(points), 1) + 0.5],
        "zeroline": False,
    }


def control_figure(data: Mapping[str, Any], axis: str = "sequence") -> dict[str, Any]:
    """The Plotly figure of a characteristic's chart (pair) from its ``chart_data`` dict.

    ``axis`` "sequence" (default) spaces the points equally by subgroup order; "time"
    places them at their times.
    """
    char = data["characteristic"]
    chart_type = char["chart_type"]
    points = data.get("points") or []
    times = plot_times([p["timestamp"] for p in points])
    xs: list[Any] = list(times) if axis == "time" else list(range(1, len(points) + 1))
    traces = {t["uid"]: t for t in _empty_traces(chart_type)}
    _fill(traces, char, points, xs, times)
    mode = char.get("subgroup_mode", "NOMINAL_TOLERANCE")
    primary, secondary = titles(chart_type, mode)
    standardized = primary.startswith("z")
    shapes, labels = decorations(data, standardized=standardized)
    marks, mark_labels = stage_markers(points, data.get("stages") or [], xs)
    ys = [marker_y(p, chart_type) for p in points]
    notes, note_labels = quality_marks.layout(points, data.get("annotations") or [], xs, ys)
    runs, run_labels = part_marks(chart_type, points, xs)  # short-run charts: part runs
    layout: dict[str, Any] = {
        "margin": {"l": 64, "r": 96, "t": 28, "b": 48},
        "hovermode": "closest",
        "dragmode": False,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "showlegend": False,
        "xaxis": _xaxis(axis, points),
        "yaxis": {"title": {"text": primary}, "zeroline": False, "automargin": True},
        "shapes": shapes + marks + notes + runs,
        "annotations": labels + mark_labels + note_labels + run_labels,
        "uirevision": f"{char['id']}-{axis}",
        "meta": {"axis": axis, "points": len(points)},
    }
    if chart_type in PROPORTION_CHARTS:  # read as %, as the cards and the hover say them
        layout["yaxis"]["tickformat"] = ".1~%"
    if secondary is not None:
        layout["yaxis"]["domain"] = [0.36, 1]
        layout["xaxis2"] = {**layout["xaxis"], "matches": "x", "anchor": "y2"}
        layout["xaxis"].update({"anchor": "y", "showticklabels": False})
        layout["yaxis2"] = {
            "title": {"text": secondary},
            "domain": [0, 0.28],
            "zeroline": False,
            "automargin": True,
        }
    return {"data": list(traces.values()), "layout": layout}


def point_extension(
    characteristic: Mapping[str, Any],
    point: Mapping[str, Any],
    violations: Iterable[Mapping[str, Any]] = (),
) -> dict[str, dict[str, list[Any]]]:
    """What to append to each trace (by ``uid``) for one new point, for ``extendTraces``.

    ``point`` is a sample as in the ``sample.processed`` event (with the stage's R/S/MR
    limits in ``secondary_limits`` where the characteristic has them); ``violations`` are
    the violations it raised (new, so unacknowledged: they pulse). The x values are the
    point's plotted time; on a sequence axis the browser puts the point at the next
    position instead.
    """
    full = dict(point)
    full["violations"] = [{**v, "acknowledged": False} for v in violations]
    time = plot_time(point["timestamp"])
    traces = {t["uid"]: t for t in _empty_traces(characteristic["chart_type"])}
    _add(traces, characteristic, full, time, time, pulse=True)
    return {
        uid: {key: trace[key] for key in COLUMNS if key in trace}
        for uid, trace in traces.items()
        if trace["y"]
    }


def figure_json(figure: Mapping[str, Any]) -> SafeString:
    """The figure as JSON safe inside a ``<script type="application/json">`` element.

    What Django's ``json_script`` does, with ``str.replace`` for its escaping: on a chart
    of a thousand points its ``str.translate`` took three times as long as the JSON itself.
    """
    text = orjson.dumps(figure, option=orjson.OPT_SERIALIZE_NUMPY).decode()
    escaped = text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    return mark_safe(escaped)  # every <, > and & is escaped above
