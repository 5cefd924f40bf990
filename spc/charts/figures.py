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
  ``excluded`` hollow markers; ``viol_warn`` / ``viol_crit`` violation markers by severity;
  ``pulse`` halos on the newest unacknowledged violations (CSS animates ``.tracepulse``);
  ``lower`` CUSUM's −C⁻;
- ``value2`` the secondary (R, S or MR) chart with ``cl2`` / ``ucl2`` / ``lcl2`` its stage's
  limits and ``viol2`` the points beyond them (rule ``SECONDARY_BEYOND_LIMITS``).

Stage markers (a dotted line and "Stage n · when · who · why") are layout shapes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from spc.charts.decorations import (
    BANDS,
    band_bounds,
    decorations,
    has_bands,
    stage_markers,
    time_ticks,
)
from spc.charts.style import (
    COLOURS,
    PULSE_NEWEST,
    has_secondary,
    plot_time,
    reading,
    sparkline_points,
    titles,
)
from spc.core.types import SECONDARY_BEYOND_LIMITS

__all__ = ["control_figure", "point_extension", "sparkline_points"]

STEP = {"shape": "hvh", "width": 1.5}


def _hover(char: Mapping[str, Any], point: Mapping[str, Any], time: str) -> str:
    shown = reading(char, point)
    lines = [f"Sample #{point['id']} · {time[:19]}", shown["measured"]]
    if shown["statistic"]:
        lines.append(shown["statistic"])
    n = point.get("n")
    if n is not None:
        lines.append(f"n = {n:g}" + (" (undersized)" if point.get("is_undersized") else ""))
    if point.get("stage") is not None:
        lines.append(f"stage {point['stage'] + 1} of this view")
    for violation in point.get("violations") or ():
        name = violation.get("rule_name") or ""
        lines.append(f"Rule {violation['rule']} {name}".strip())
    if point.get("is_excluded"):
        lines.append("excluded")
    return "<br>".join(lines)


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
            {**_markers("viol2", color=COLOURS["crit"], size=12, symbol="diamond"), **pane},
        ]
    return traces


def _violation_severity(point: Mapping[str, Any]) -> str | None:
    severities = {
        v.get("severity")
        for v in point.get("violations") or ()
        if v.get("rule") != SECONDARY_BEYOND_LIMITS
    }
    if "CRITICAL" in severities:
        return "CRITICAL"
    if "WARNING" in severities:
        return "WARNING"
    return None


def _has_open_violation(point: Mapping[str, Any]) -> bool:
    return any(not v.get("acknowledged") for v in point.get("violations") or ())


def _marker_roles(point: Mapping[str, Any], *, pulse: bool) -> list[str]:
    """The primary-pane marker traces a point belongs to, besides the ``value`` line."""
    roles = ["excluded" if point.get("is_excluded") else "points"]
    severity = _violation_severity(point)
    if severity == "CRITICAL":
        roles.append("viol_crit")
    elif severity == "WARNING":
        roles.append("viol_warn")
    if severity and pulse and _has_open_violation(point) and not point.get("is_excluded"):
        roles.append("pulse")
    return roles


def _secondary_text(char: Mapping[str, Any], point: Mapping[str, Any]) -> str:
    name = titles(char["chart_type"])[1] or ""
    decimals = int(char.get("decimal_places", 3))
    value = point.get("secondary_value")
    text = f"Sample #{point['id']}<br>{name} = " + (
        "–" if value is None else f"{value:.{decimals}f}"
    )
    limits = point.get("secondary_limits") or {}
    if limits.get("ucl") is not None:
        text += f"<br>UCL {limits['ucl']:.{decimals}f}"
    if any(v.get("rule") == SECONDARY_BEYOND_LIMITS for v in point.get("violations") or ()):
        text += f"<br>Rule {SECONDARY_BEYOND_LIMITS}: {name} beyond its limits"
    return text


def _point_rows(
    char: Mapping[str, Any], point: Mapping[str, Any], x: Any, time: str, *, pulse: bool
) -> dict[str, dict[str, list[Any]]]:
    """What one point adds to each trace (by uid): the figure and the live extension
    share it, so a live point looks exactly like a reloaded one."""
    chart_type = char["chart_type"]
    out: dict[str, dict[str, list[Any]]] = {}
    if has_bands(chart_type):
        for (uid, _), y in zip(BANDS, band_bounds(point, chart_type), strict=True):
            out[uid] = {"x": [x], "y": [y]}
    for uid, key in (("cl", "center_line"), ("ucl", "ucl"), ("lcl", "lcl")):
        out[uid] = {"x": [x], "y": [point.get(key)]}
    out["value"] = {"x": [x], "y": [point.get("value")]}
    if chart_type == "CUSUM":
        out["lower"] = {"x": [x], "y": [cusum_lower(point)], "customdata": [point["id"]]}
    text = _hover(char, point, time)
    y = marker_y(point, chart_type)
    for role in _marker_roles(point, pulse=pulse):
        if role == "pulse":
            out[role] = {"x": [x], "y": [y]}
        else:
            out[role] = {"x": [x], "y": [y], "customdata": [point["id"]], "text": [text]}
    if has_secondary(chart_type):
        limits = point.get("secondary_limits") or {}
        for uid, key in (("cl2", "center_line"), ("ucl2", "ucl"), ("lcl2", "lcl")):
            out[uid] = {"x": [x], "y": [limits.get(key)]}
        second = {
            "x": [x],
            "y": [point.get("secondary_value")],
            "customdata": [point["id"]],
            "text": [_secondary_text(char, point)],
        }
        out["value2"] = second
        if any(v.get("rule") == SECONDARY_BEYOND_LIMITS for v in point.get("violations") or ()):
            out["viol2"] = dict(second)
    return out


def _fill(
    traces: dict[str, dict[str, Any]],
    char: Mapping[str, Any],
    points: Sequence[Mapping[str, Any]],
    xs: Sequence[Any],
) -> None:
    newest_ids = {p["id"] for p in points[-PULSE_NEWEST:]}
    for point, x in zip(points, xs, strict=True):
        time = plot_time(point["timestamp"])
        rows = _point_rows(char, point, x, time, pulse=point["id"] in newest_ids)
        for uid, columns in rows.items():
            for key, values in columns.items():
                traces[uid][key].extend(values)


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
    xs: list[Any] = (
        [plot_time(p["timestamp"]) for p in points]
        if axis == "time"
        else list(range(1, len(points) + 1))
    )
    traces = {t["uid"]: t for t in _empty_traces(chart_type)}
    _fill(traces, char, points, xs)
    mode = char.get("subgroup_mode", "NOMINAL_TOLERANCE")
    primary, secondary = titles(chart_type, mode)
    standardized = primary.startswith("z")
    shapes, labels = decorations(data, standardized=standardized)
    marks, mark_labels = stage_markers(points, data.get("stages") or [], xs)
    layout: dict[str, Any] = {
        "margin": {"l": 64, "r": 96, "t": 28, "b": 48},
        "hovermode": "closest",
        "dragmode": False,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "showlegend": False,
        "xaxis": _xaxis(axis, points),
        "yaxis": {"title": {"text": primary}, "zeroline": False, "automargin": True},
        "shapes": shapes + marks,
        "annotations": labels + mark_labels,
        "uirevision": f"{char['id']}-{axis}",
        "meta": {"axis": axis, "points": len(points)},
    }
    if chart_type == "P":  # proportions read as %, as the cards and the hover say them
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
    return _point_rows(characteristic, full, time, time, pulse=True)
