"""The Plotly figure of a group's T² chart, from stored points (presentation only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from multivariate.models import MultivariateGroup, T2Point

SIGNAL_COLOR = "#d1242f"
VALUE_COLOR = "#0969da"
UCL_COLOR = "#cf222e"


def t2_figure(group: MultivariateGroup, points: Sequence[T2Point]) -> dict[str, Any]:
    """T² markers and line, the UCL per point (a step where the phase changes) and the
    signals in red; the trace uids (``value``, ``ucl``, ``signals``) are what a live
    chart-point extends."""
    xs = [p.timestamp.isoformat() for p in points]
    hover = [
        f"T² {p.t2:.3f} (UCL {p.ucl:.3f})"
        + (f"<br>top: {', '.join(p.top_contributors)}" if p.signal else "")
        for p in points
    ]
    return {
        "data": [
            {
                "uid": "value",
                "name": "T²",
                "type": "scatter",
                "mode": "lines+markers",
                "x": xs,
                "y": [p.t2 for p in points],
                "text": hover,
                "hoverinfo": "x+text",
                "line": {"color": VALUE_COLOR, "width": 1.5},
                "marker": {"size": 7},
            },
            {
                "uid": "ucl",
                "name": "UCL",
                "type": "scatter",
                "mode": "lines",
                "x": xs,
                "y": [p.ucl for p in points],
                "line": {"color": UCL_COLOR, "dash": "dash", "shape": "hv"},
            },
            {
                "uid": "signals",
                "name": "Signal",
                "type": "scatter",
                "mode": "markers",
                "x": xs,
                "y": [p.t2 if p.signal else None for p in points],
                "marker": {"color": SIGNAL_COLOR, "size": 11, "symbol": "diamond"},
                "hoverinfo": "skip",
            },
        ],
        "layout": {
            "margin": {"l": 56, "r": 16, "t": 24, "b": 48},
            "xaxis": {"type": "date", "title": {"text": "Source time"}},
            "yaxis": {"title": {"text": "Hotelling T²"}, "rangemode": "tozero"},
            "legend": {"orientation": "h", "y": 1.08},
            "showlegend": True,
            "title": {"text": group.name, "font": {"size": 14}},
        },
    }
