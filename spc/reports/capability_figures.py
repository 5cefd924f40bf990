"""The probability plot of the capability page: the chosen distribution's own plot.

Plotly figure dicts from the core's plot data (no maths here). With the normal model (or
no non-normal study) it is the normal probability plot of :mod:`spc.reports.figures`;
otherwise the ordered values on the chosen family's probability scale, with its fitted
line, the percent ticks and a log value axis for the lognormal and Weibull.
"""

from __future__ import annotations

from typing import Any

from spc.reports import figures


def probability_figure(study: dict[str, Any]) -> dict[str, Any]:
    """The probability plot of the study's chosen model."""
    nonnormal = study.get("nonnormal")
    if not nonnormal or nonnormal["distribution"] == "normal":
        return figures.probability_figure(study)
    plot = nonnormal["plot"]
    label = nonnormal["label"]
    x_title = (
        f"Transformed {figures.value_title(study)}"
        if plot["transformed"]
        else figures.value_title(study)
    )
    note = f"{label}: Anderson–Darling A² = {nonnormal['statistic']:.3f}, {nonnormal['p_text']}"
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers",
                "x": plot["values"],
                "y": plot["y"],
                "customdata": plot["percent"],
                "name": "Values",
                "marker": {"color": figures.BAR, "size": 6},
                "hovertemplate": "%{x} at %{customdata:.1f} %<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines",
                "x": list(plot["line_x"]),
                "y": list(plot["line_y"]),
                "name": f"{label} fit",
                "line": {"color": figures.CURVE, "width": 2},
                "hoverinfo": "skip",
            },
        ],
        "layout": {
            "font": figures.FONT,
            "margin": {"t": 36, "r": 16, "b": 100, "l": 64},
            "legend": {"orientation": "h", "y": -0.3, "yanchor": "top"},
            "annotations": figures.note_annotations(note),
            "xaxis": {
                "title": {"text": x_title},
                "type": "log" if plot["x_log"] else "linear",
                "nticks": 8,
            },
            "yaxis": {
                "title": {"text": f"Percent ({label} scale)"},
                "tickvals": [tick for _, tick in plot["ticks"]],
                "ticktext": [f"{pct:g} %" for pct, _ in plot["ticks"]],
                "zeroline": False,
            },
        },
    }
