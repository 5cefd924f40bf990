"""Plotly figure dicts for the report pages, built from the core's results (no maths here)."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

BAR = "#4c78a8"
CURVE = "#e45756"
SPEC = "#b22222"
CUMULATIVE = "#f58518"


def capability_figure(study: dict[str, Any]) -> dict[str, Any]:
    """Histogram bars, the fitted normal curve and vertical LSL / target / USL lines."""
    hist = study["histogram"]
    edges = hist["edges"]
    centres = [(a + b) / 2 for a, b in pairwise(edges)]
    widths = [b - a for a, b in pairwise(edges)]
    shapes, annotations = [], []
    for label, key in (("LSL", "lsl"), ("Target", "target"), ("USL", "usl")):
        value = study.get(key)
        if value is None:
            continue
        dash = "dot" if key == "target" else "dash"
        shapes.append(
            {"type": "line", "xref": "x", "yref": "paper", "x0": value, "x1": value, "y0": 0,
             "y1": 1, "line": {"color": SPEC, "dash": dash, "width": 2}}
        )  # fmt: skip
        annotations.append(
            {"x": value, "y": 1, "xref": "x", "yref": "paper", "text": label,
             "showarrow": False, "yanchor": "bottom", "font": {"color": SPEC}}
        )  # fmt: skip
    return {
        "data": [
            {
                "type": "bar",
                "x": centres,
                "y": hist["counts"],
                "width": widths,
                "name": "Count",
                "marker": {"color": BAR},
            },
            {
                "type": "scatter",
                "mode": "lines",
                "x": hist["curve_x"],
                "y": hist["curve_y"],
                "name": "Normal fit (overall σ)",
                "line": {"color": CURVE, "width": 2},
            },
        ],
        "layout": {
            "bargap": 0.02,
            "shapes": shapes,
            "annotations": annotations,
            "margin": {"t": 30, "r": 10, "b": 40, "l": 50},
            "legend": {"orientation": "h"},
            "xaxis": {"title": {"text": study["characteristic"].get("unit") or "value"}},
            "yaxis": {"title": {"text": "count"}},
        },
    }


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
            "margin": {"t": 40, "r": 50, "b": 80, "l": 50},
            "yaxis": {"title": {"text": "violations"}},
            "yaxis2": {
                "overlaying": "y",
                "side": "right",
                "range": [0, 105],
                "tickvals": [0, 25, 50, 75, 100],
                "ticksuffix": "%",
            },
            "showlegend": False,
        },
    }
