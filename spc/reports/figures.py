"""Plotly figure dicts for the report pages, built from the core's results (no maths here)."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

BAR = "#4c78a8"
CURVE = "#e45756"
WITHIN = "#2f7d32"
FIT = "#7b3294"  # the chosen non-normal model
SPEC = "#b22222"
TARGET = "#6a3d9a"
CUMULATIVE = "#f58518"
#: Percent ticks of the normal probability plot (placed at their normal quantiles).
PROBABILITY_TICKS = {
    0.1: -3.090232,
    1: -2.326348,
    5: -1.644854,
    25: -0.674490,
    50: 0.0,
    75: 0.674490,
    95: 1.644854,
    99: 2.326348,
    99.9: 3.090232,
}
FONT = {"size": 13}


def value_title(study: dict[str, Any]) -> str:
    """The measured value's axis title: the characteristic's name and unit."""
    char = study["characteristic"]
    unit = char.get("unit") or ""
    return f"{char.get('name', 'Value')} ({unit})" if unit else str(char.get("name", "Value"))


def _spec_lines(study: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Vertical LSL / target / USL lines with their labels."""
    shapes, annotations = [], []
    for label, key in (("LSL", "lsl"), ("Target", "target"), ("USL", "usl")):
        value = study.get(key)
        if value is None:
            continue
        colour = TARGET if key == "target" else SPEC
        dash = "dot" if key == "target" else "dash"
        shapes.append(
            {"type": "line", "xref": "x", "yref": "paper", "x0": value, "x1": value, "y0": 0,
             "y1": 1, "line": {"color": colour, "dash": dash, "width": 2}}
        )  # fmt: skip
        annotations.append(
            {"x": value, "y": 1, "xref": "x", "yref": "paper", "text": label,
             "showarrow": False, "yanchor": "bottom", "font": {"color": colour}}
        )  # fmt: skip
    return shapes, annotations


def capability_figure(study: dict[str, Any]) -> dict[str, Any]:
    """Histogram bars, the normal curves with σ overall and σ within, the chosen
    non-normal model's density when one is chosen, and vertical LSL / target / USL lines."""
    hist = study["histogram"]
    edges = hist["edges"]
    centres = [(a + b) / 2 for a, b in pairwise(edges)]
    widths = [b - a for a, b in pairwise(edges)]
    shapes, annotations = _spec_lines(study)
    data: list[dict[str, Any]] = [
        {
            "type": "bar",
            "x": centres,
            "y": hist["counts"],
            "width": widths,
            "name": "Values per bin",
            "marker": {"color": BAR},
            "hovertemplate": "%{x}: %{y} values<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "x": hist["curve_x"],
            "y": hist["curve_y"],
            "name": "Normal, σ overall",
            "line": {"color": CURVE, "width": 2},
            "hoverinfo": "skip",
        },
    ]
    if hist.get("curve_y_within"):
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": hist["curve_x"],
                "y": hist["curve_y_within"],
                "name": "Normal, σ within",
                "line": {"color": WITHIN, "width": 2, "dash": "dash"},
                "hoverinfo": "skip",
            }
        )
    chosen = study.get("nonnormal") or {}
    if chosen.get("curve_y") and chosen.get("distribution") != "normal":
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": hist["curve_x"],
                "y": chosen["curve_y"],
                "name": f"{chosen['label']} fit",
                "line": {"color": FIT, "width": 2.5},
                "hoverinfo": "skip",
            }
        )
    return {
        "data": data,
        "layout": {
            "bargap": 0.02,
            "shapes": shapes,
            "annotations": annotations,
            "font": FONT,
            "margin": {"t": 36, "r": 16, "b": 100, "l": 64},
            "legend": {"orientation": "h", "y": -0.3, "yanchor": "top"},
            "xaxis": {"title": {"text": value_title(study)}, "nticks": 8},
            "yaxis": {
                "title": {"text": "Count (values per bin)"},
                "nticks": 8,
                "rangemode": "tozero",
            },
        },
    }


def probability_figure(study: dict[str, Any]) -> dict[str, Any]:
    """Normal probability plot: ordered values against their normal quantiles (percent
    labels on the probability axis) and the fitted normal line (mean, σ overall)."""
    plot = study["probability_plot"]
    normality = study.get("normality")
    note = ""
    if normality is not None:
        p = normality["p_value"]
        shown = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
        note = f"Anderson–Darling A² = {normality['statistic']:.3f}, {shown}"
    ticks = [(pct, z) for pct, z in PROBABILITY_TICKS.items() if _between(z, plot["z"])]
    return probability_plot_figure(
        plot, y=plot["z"], line_y=plot["line_z"], fit_name="Normal fit (mean, σ overall)",
        scale="normal", x_title=value_title(study), ticks=ticks, note=note,
    )  # fmt: skip


def probability_plot_figure(
    plot: dict[str, Any],
    *,
    y: list[float],
    line_y: list[float],
    fit_name: str,
    scale: str,
    x_title: str,
    ticks: list[tuple[float, float]],
    note: str,
    x_type: str | None = None,
) -> dict[str, Any]:
    """A probability plot: the ordered ``plot["values"]`` at ``y`` (their quantiles on the
    ``scale`` distribution's axis, hover with ``plot["percent"]``), the fitted line from
    ``plot["line_x"]`` to ``line_y``, and ``ticks`` (percent, position) on that axis;
    ``x_type`` sets the value axis type ("log", "linear"; Plotly's choice when None)."""
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers",
                "x": plot["values"],
                "y": y,
                "customdata": plot["percent"],
                "name": "Values",
                "marker": {"color": BAR, "size": 6},
                "hovertemplate": "%{x} at %{customdata:.1f} %<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines",
                "x": list(plot["line_x"]),
                "y": list(line_y),
                "name": fit_name,
                "line": {"color": CURVE, "width": 2},
                "hoverinfo": "skip",
            },
        ],
        "layout": {
            "font": FONT,
            "margin": {"t": 36, "r": 16, "b": 100, "l": 64},
            "legend": {"orientation": "h", "y": -0.3, "yanchor": "top"},
            "annotations": note_annotations(note),
            "xaxis": {
                "title": {"text": x_title},
                **({"type": x_type} if x_type else {}),
                "nticks": 8,
            },
            "yaxis": {
                "title": {"text": f"Percent ({scale} scale)"},
                "tickvals": [tick for _, tick in ticks],
                "ticktext": [f"{pct:g} %" for pct, _ in ticks],
                "zeroline": False,
            },
        },
    }


def note_annotations(note: str) -> list[dict[str, Any]]:
    """A one-line note above a figure's plot area (none for an empty note)."""
    if not note:
        return []
    return [
        {"xref": "paper", "yref": "paper", "x": 0, "y": 1, "xanchor": "left",
         "yanchor": "bottom", "showarrow": False, "text": note}
    ]  # fmt: skip


def _between(z: float, zs: list[float]) -> bool:
    return bool(zs) and min(zs) - 0.3 <= z <= max(zs) + 0.3


def pareto_figure(bars: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """Bars by count (largest first) with the cumulative percentage on a second axis."""
    labels = [b["label"] for b in bars]
    return {
        "data": [
            {
                "type": "bar",
                "x": labels,
                "y": [b["count"] for b in bars],
                "name": "Violations",
                "marker": {"color": BAR},
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": labels,
                "y": [b["cumulative_percent"] for b in bars],
                "yaxis": "y2",
                "name": "Cumulative %",
                "line": {"color": CUMULATIVE},
            },
        ],
        "layout": {
            "title": {"text": title},
            "font": FONT,
            "margin": {"t": 40, "r": 56, "b": 110, "l": 56},
            "xaxis": {"automargin": True, "tickangle": -30},
            "yaxis": {"title": {"text": "Violations"}, "rangemode": "tozero"},
            "yaxis2": {
                "overlaying": "y",
                "side": "right",
                "range": [0, 105],
                "tickvals": [0, 25, 50, 75, 100],
                "ticksuffix": " %",
            },
            "showlegend": False,
        },
    }
