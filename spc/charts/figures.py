"""Plotly figures for control charts, built from ``spc.charts.data`` dicts (presentation only).

Nothing here queries or writes the database and nothing recomputes statistics: every value,
limit and zone comes from the stored points. The figure is a plain JSON-able dict
(``{"data": [...], "layout": {...}}``) that ``static/js/live.js`` hands to ``Plotly.react``.

Each trace carries a stable ``uid`` (its role), so the browser can append a live point to
the right traces with ``Plotly.extendTraces`` using :func:`point_extension`:

- ``value`` line through every point; ``points`` filled markers of included points;
  ``excluded`` hollow markers; ``viol_warn`` / ``viol_crit`` violation markers by severity;
  ``pulse`` halos on the newest unacknowledged violations (CSS animates ``.tracepulse``);
- ``cl`` / ``ucl`` / ``lcl`` the limits in force for each point, drawn as steps: a limit
  change shows where it happened, VARIABLE_LIMITS draws its funnel, STANDARDIZED its ±3;
- ``value2`` the secondary (R, S or MR) chart; its current limits are layout lines.

Zone bands A/B/C are shaded only where the limits are the same for every plotted point
(otherwise a band would be drawn against limits that did not apply).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from spc.charts.decorations import decorations, reference_limits, zone_shapes
from spc.charts.style import (
    COLOURS,
    PULSE_NEWEST,
    format_value,
    has_secondary,
    plot_time,
    sparkline_points,
    titles,
)

__all__ = [
    "control_figure",
    "point_extension",
    "reference_limits",
    "sparkline_points",
    "zone_shapes",
]


def _hover(point: Mapping[str, Any], decimals: int) -> str:
    lines = [f"Sample #{point['id']}", format_value(point.get("value"), decimals)]
    n = point.get("n")
    if n is not None:
        lines.append(f"n = {n:g}" + (" (undersized)" if point.get("is_undersized") else ""))
    for violation in point.get("violations") or ():
        name = violation.get("rule_name") or ""
        lines.append(f"Rule {violation['rule']} {name}".strip())
    if point.get("is_excluded"):
        lines.append("excluded")
    return "<br>".join(lines)


def cusum_lower(point: Mapping[str, Any]) -> float | None:
    """CUSUM's lower sum C⁻ drawn below zero (the stored secondary value is its size)."""
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


def _violation_severity(point: Mapping[str, Any]) -> str | None:
    severities = {v.get("severity") for v in point.get("violations") or ()}
    if "CRITICAL" in severities:
        return "CRITICAL"
    if "WARNING" in severities:
        return "WARNING"
    return None


def _has_open_violation(point: Mapping[str, Any]) -> bool:
    return any(not v.get("acknowledged") for v in point.get("violations") or ())


def _marker_roles(point: Mapping[str, Any], *, pulse: bool) -> list[str]:
    """The marker traces a point belongs to, besides the ``value`` line."""
    roles = ["excluded" if point.get("is_excluded") else "points"]
    severity = _violation_severity(point)
    if severity == "CRITICAL":
        roles.append("viol_crit")
    elif severity == "WARNING":
        roles.append("viol_warn")
    if severity and pulse and _has_open_violation(point) and not point.get("is_excluded"):
        roles.append("pulse")
    return roles


def _empty_traces(chart_type: str) -> list[dict[str, Any]]:
    step = {"shape": "hv", "width": 1.5}
    traces = [
        _trace("cl", mode="lines", line={**step, "color": COLOURS["center"]}, hoverinfo="skip"),
        _trace(
            "ucl",
            mode="lines",
            line={**step, "color": COLOURS["limit"], "dash": "dash"},
            hoverinfo="skip",
        ),
        _trace(
            "lcl",
            mode="lines",
            line={**step, "color": COLOURS["limit"], "dash": "dash"},
            hoverinfo="skip",
        ),
        _trace(
            "value", mode="lines", line={"color": COLOURS["value"], "width": 2}, hoverinfo="skip"
        ),
        _trace(
            "points",
            mode="markers",
            marker={"color": COLOURS["value"], "size": 9},
            customdata=[],
            text=[],
            hovertemplate="%{text}<extra></extra>",
        ),
        _trace(
            "excluded",
            mode="markers",
            marker={"symbol": "circle-open", "color": COLOURS["value"], "size": 11},
            customdata=[],
            text=[],
            hovertemplate="%{text}<extra></extra>",
        ),
        _trace(
            "viol_warn",
            mode="markers",
            marker={"color": COLOURS["warn"], "size": 13, "symbol": "diamond"},
            customdata=[],
            text=[],
            hovertemplate="%{text}<extra></extra>",
        ),
        _trace(
            "viol_crit",
            mode="markers",
            marker={"color": COLOURS["crit"], "size": 13, "symbol": "diamond"},
            customdata=[],
            text=[],
            hovertemplate="%{text}<extra></extra>",
        ),
        _trace(
            "pulse",
            mode="markers",
            marker={"color": "rgba(207,34,46,0.35)", "size": 26},
            hoverinfo="skip",
        ),
    ]
    if chart_type == "CUSUM":
        traces.insert(
            4,
            _trace(
                "lower",
                mode="lines+markers",
                line={"color": COLOURS["spec"], "width": 2},
                marker={"size": 6},
                customdata=[],
                hovertemplate="−C⁻ %{y}<extra></extra>",
            ),
        )
    if has_secondary(chart_type):
        traces.append(
            _trace(
                "value2",
                mode="lines+markers",
                xaxis="x2",
                yaxis="y2",
                line={"color": COLOURS["value"], "width": 1.5},
                marker={"size": 6},
                customdata=[],
                hovertemplate="%{y}<extra></extra>",
            )
        )
    return traces


def _append(trace: dict[str, Any], x: str, y: Any, **extra: Any) -> None:
    trace["x"].append(x)
    trace["y"].append(y)
    for key, value in extra.items():
        trace[key].append(value)


def _fill(
    traces: dict[str, dict[str, Any]],
    points: Sequence[Mapping[str, Any]],
    decimals: int,
    chart_type: str,
) -> None:
    newest_ids = {p["id"] for p in points[-PULSE_NEWEST:]}
    for point in points:
        x = plot_time(point["timestamp"])
        for uid in ("cl", "ucl", "lcl"):
            key = "center_line" if uid == "cl" else uid
            _append(traces[uid], x, point.get(key))
        _append(traces["value"], x, point.get("value"))
        if "lower" in traces:
            _append(traces["lower"], x, cusum_lower(point), customdata=point["id"])
        text = _hover(point, decimals)
        y = marker_y(point, chart_type)
        for role in _marker_roles(point, pulse=point["id"] in newest_ids):
            if role == "pulse":
                _append(traces[role], x, y)
            else:
                _append(traces[role], x, y, customdata=point["id"], text=text)
        if "value2" in traces:
            _append(traces["value2"], x, point.get("secondary_value"), customdata=point["id"])


def control_figure(data: Mapping[str, Any]) -> dict[str, Any]:
    """The Plotly figure of a characteristic's chart (pair) from its ``chart_data`` dict."""
    char = data["characteristic"]
    chart_type = char["chart_type"]
    decimals = int(char.get("decimal_places", 3))
    traces = {t["uid"]: t for t in _empty_traces(chart_type)}
    _fill(traces, data.get("points") or [], decimals, chart_type)
    shapes, labels = decorations(data)
    primary, secondary = titles(chart_type, char.get("subgroup_mode", "NOMINAL_TOLERANCE"))
    layout: dict[str, Any] = {
        "margin": {"l": 64, "r": 96, "t": 16, "b": 40},
        "hovermode": "closest",
        "dragmode": False,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "showlegend": False,
        "xaxis": {"type": "date", "automargin": True},
        "yaxis": {"title": {"text": primary}, "zeroline": False, "automargin": True},
        "shapes": shapes,
        "annotations": labels,
        "uirevision": char["id"],
    }
    if secondary is not None:
        layout["yaxis"]["domain"] = [0.36, 1]
        layout["xaxis"].update({"anchor": "y", "showticklabels": False})
        layout["xaxis2"] = {"type": "date", "matches": "x", "anchor": "y2", "automargin": True}
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

    ``point`` is a sample as in the ``sample.processed`` event; ``violations`` are the
    violations it raised (new, so unacknowledged: they pulse).
    """
    decimals = int(characteristic.get("decimal_places", 3))
    full = dict(point)
    full["violations"] = [{**v, "acknowledged": False} for v in violations]
    x = plot_time(point["timestamp"])
    out: dict[str, dict[str, list[Any]]] = {
        "cl": {"x": [x], "y": [point.get("center_line")]},
        "ucl": {"x": [x], "y": [point.get("ucl")]},
        "lcl": {"x": [x], "y": [point.get("lcl")]},
        "value": {"x": [x], "y": [point.get("value")]},
    }
    chart_type = characteristic.get("chart_type", "")
    if chart_type == "CUSUM":
        out["lower"] = {"x": [x], "y": [cusum_lower(point)], "customdata": [point["id"]]}
    text = _hover(full, decimals)
    y = marker_y(point, chart_type)
    for role in _marker_roles(full, pulse=True):
        if role == "pulse":
            out[role] = {"x": [x], "y": [y]}
        else:
            out[role] = {
                "x": [x],
                "y": [y],
                "customdata": [point["id"]],
                "text": [text],
            }
    if has_secondary(chart_type):
        out["value2"] = {"x": [x], "y": [point.get("secondary_value")], "customdata": [point["id"]]}
    return out
