"""What a chart looks like and how its numbers are written: titles, colours, value
formats, plot times and the card's sparkline (presentation only)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

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
