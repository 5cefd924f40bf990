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
    return figures.probability_plot_figure(
        plot, y=plot["y"], line_y=plot["line_y"], fit_name=f"{label} fit", scale=label,
        x_title=x_title, ticks=[(pct, tick) for pct, tick in plot["ticks"]], note=note,
        x_type="log" if plot["x_log"] else "linear",
    )  # fmt: skip
