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

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone

PULSE_NEWEST = 10
"""Unacknowledged violations among this many newest points pulse."""

PRIMARY_TITLES = {
    "XBAR_R": ("X̄", "R"),
    "XBAR_S": ("X̄", "S"),
    "I_MR": ("Individuals", "Moving range"),
    "P": ("p", None),
    "NP": ("np", None),
    "C": ("c", None),
    "U": ("u", None),
    "EWMA": ("EWMA", None),
    "CUSUM": ("CUSUM C⁺ and −C⁻", None),
}
SECONDARY_CHARTS = {"XBAR_R", "XBAR_S", "I_MR"}
SPEC_CHARTS = {"XBAR_R", "XBAR_S", "I_MR"}
BAND_CHARTS = {"XBAR_R", "XBAR_S", "I_MR", "P", "NP", "C", "U"}

COLOURS = {
    "value": "#1f6feb",
    "limit": "#cf222e",
    "center": "#1a7f37",
    "spec": "#8250df",
    "warn": "#d4a72c",
    "crit": "#cf222e",
    "zone_a": "rgba(207,34,46,0.10)",
    "zone_b": "rgba(212,167,44,0.12)",
    "zone_c": "rgba(26,127,55,0.10)",
}
SAME_LIMITS_TOLERANCE = 1e-9


def plot_time(iso: str) -> str:
    """An ISO timestamp as plotly's zone-less date string in the site's local time.

    plotly.js ignores UTC offsets, so times are converted to the configured zone first.
    """
    stamp = datetime.fromisoformat(iso)
    if timezone.is_aware(stamp):
        stamp = timezone.localtime(stamp)
    return stamp.strftime("%Y-%m-%d %H:%M:%S.%f")


def format_value(value: float | None, decimals: int) -> str:
    """A plotted value with the characteristic's decimals; an en dash when missing."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:.{decimals}f}"


def titles(chart_type: str, subgroup_mode: str = "NOMINAL_TOLERANCE") -> tuple[str, str | None]:
    """Axis titles of the primary and secondary chart (None: no secondary chart)."""
    primary, secondary = PRIMARY_TITLES.get(chart_type, (chart_type, None))
    if subgroup_mode == "STANDARDIZED" and chart_type in SECONDARY_CHARTS:
        primary = f"z ({primary} standardized)"
    return primary, secondary


def has_secondary(chart_type: str) -> bool:
    """True for the variables charts drawn as a pair (X̄-R, X̄-S, I-MR)."""
    return chart_type in SECONDARY_CHARTS


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


def reference_limits(data: Mapping[str, Any]) -> tuple[float, float, float] | None:
    """The (CL, UCL, LCL) every plotted point shares, or None when they differ or are missing.

    With no points the characteristic's current limits are the reference. STANDARDIZED
    charts are always 0 ± 3.
    """
    char = data["characteristic"]
    if char.get("subgroup_mode") == "STANDARDIZED" and char["chart_type"] in SECONDARY_CHARTS:
        return (0.0, 3.0, -3.0)
    points = data.get("points") or []
    if not points:
        limits = data.get("limits") or {}
        trio = (limits.get("center_line"), limits.get("ucl"), limits.get("lcl"))
        return trio if None not in trio else None  # type: ignore[return-value]
    first = (points[0].get("center_line"), points[0].get("ucl"), points[0].get("lcl"))
    if None in first:
        return None
    for point in points[1:]:
        trio = (point.get("center_line"), point.get("ucl"), point.get("lcl"))
        if None in trio or any(
            abs(a - b) > SAME_LIMITS_TOLERANCE for a, b in zip(trio, first, strict=True)
        ):
            return None
    return first


def zone_shapes(cl: float, ucl: float, lcl: float, yref: str = "y") -> list[dict[str, Any]]:
    """Shaded zone bands: C within 1σ, B from 1σ to 2σ, A from 2σ to 3σ, each side.

    σ of the plotted statistic is (UCL − CL)/3 above and (CL − LCL)/3 below; bands are
    clipped at the limits (an attribute chart's LCL may sit at zero).
    """
    shapes: list[dict[str, Any]] = []
    upper, lower = (ucl - cl) / 3, (cl - lcl) / 3
    for k, zone in ((1, "zone_c"), (2, "zone_b"), (3, "zone_a")):
        for low, high in (
            (cl + (k - 1) * upper, cl + k * upper),
            (cl - k * lower, cl - (k - 1) * lower),
        ):
            shapes.append(
                {
                    "type": "rect",
                    "xref": "paper",
                    "yref": yref,
                    "x0": 0,
                    "x1": 1,
                    "y0": max(low, lcl),
                    "y1": min(high, ucl),
                    "fillcolor": COLOURS[zone],
                    "line": {"width": 0},
                    "layer": "below",
                    "name": zone,
                }
            )
    return shapes


def _hline(y: float, yref: str, colour: str, name: str, dash: str = "dot") -> dict[str, Any]:
    return {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "yref": yref,
        "y0": y,
        "y1": y,
        "line": {"color": colour, "width": 1.5, "dash": dash},
        "name": name,
    }


def _label(y: float, yref: str, text: str, colour: str) -> dict[str, Any]:
    return {
        "xref": "paper",
        "x": 1,
        "xanchor": "left",
        "yref": yref,
        "y": y,
        "text": text,
        "showarrow": False,
        "font": {"size": 12, "color": colour},
    }


def _decorations(data: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Zone bands, spec limits and secondary limits as layout shapes, with their labels."""
    char = data["characteristic"]
    limits = data.get("limits") or {}
    decimals = int(char.get("decimal_places", 3))
    shapes: list[dict[str, Any]] = []
    labels: list[dict[str, Any]] = []
    standardized = char.get("subgroup_mode") == "STANDARDIZED"
    reference = reference_limits(data)
    if reference is not None and char["chart_type"] in BAND_CHARTS:
        cl, ucl, lcl = reference
        shapes += zone_shapes(cl, ucl, lcl)
        for y, text, colour in (
            (ucl, "UCL", COLOURS["limit"]),
            (cl, "CL", COLOURS["center"]),
            (lcl, "LCL", COLOURS["limit"]),
        ):
            labels.append(_label(y, "y", f"{text} {format_value(y, decimals)}", colour))
    if char["chart_type"] in SPEC_CHARTS and not standardized:
        for key in ("usl", "lsl"):
            if limits.get(key) is not None:
                shapes.append(_hline(limits[key], "y", COLOURS["spec"], key, dash="dashdot"))
                labels.append(
                    _label(
                        limits[key],
                        "y",
                        f"{key.upper()} {format_value(limits[key], decimals)}",
                        COLOURS["spec"],
                    )
                )
    secondary = limits.get("secondary") or {}
    if has_secondary(char["chart_type"]):
        for key, colour, dash in (
            ("ucl", COLOURS["limit"], "dash"),
            ("center_line", COLOURS["center"], "solid"),
            ("lcl", COLOURS["limit"], "dash"),
        ):
            if secondary.get(key) is not None:
                shapes.append(_hline(secondary[key], "y2", colour, f"{key}2", dash=dash))
    return shapes, labels


def control_figure(data: Mapping[str, Any]) -> dict[str, Any]:
    """The Plotly figure of a characteristic's chart (pair) from its ``chart_data`` dict."""
    char = data["characteristic"]
    chart_type = char["chart_type"]
    decimals = int(char.get("decimal_places", 3))
    traces = {t["uid"]: t for t in _empty_traces(chart_type)}
    _fill(traces, data.get("points") or [], decimals, chart_type)
    shapes, labels = _decorations(data)
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


def sparkline_points(values: Sequence[float | None], width: int = 240, height: int = 64) -> str:
    """SVG polyline ``points`` for a trend sparkline scaled into ``width`` × ``height``.

    Whole-number coordinates (the viewBox is large enough for a smooth line); missing
    values are skipped; a flat series is drawn through the middle. The browser maps a new
    value into the same box from the series' low and high (``static/js/live.js``).
    """
    present = [(i, v) for i, v in enumerate(values) if v is not None and math.isfinite(v)]
    if not present:
        return ""
    low = min(v for _, v in present)
    high = max(v for _, v in present)
    span = high - low
    pad = 2
    x_step = (width - 2 * pad) / max(len(values) - 1, 1)
    y_scale = (height - 2 * pad) / span if span else 0.0
    middle = height / 2
    return " ".join(
        "%d,%d" % (pad + x_step * i, middle if not span else pad + (high - v) * y_scale)  # noqa: UP031
        for i, v in present
    )
