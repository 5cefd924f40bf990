"""What a chart looks like and how its numbers are written: titles, colours, value
formats, plot times and the card's sparkline (presentation only)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone

from spc.core.types import SECONDARY_BEYOND_LIMITS, is_secondary_rule

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
    "P_LANEY": ("p′ (Laney)", None),
    "U_LANEY": ("u′ (Laney)", None),
    "DNOM": ("Deviation from nominal (x − T)", "Range / moving range"),
    "Z_MR": ("z = (x − T) / σ", "Moving range of z"),
}
SECONDARY_CHARTS = {"XBAR_R", "XBAR_S", "I_MR", "DNOM", "Z_MR"}
SPEC_CHARTS = {"XBAR_R", "XBAR_S", "I_MR"}
BAND_CHARTS = {
    "XBAR_R",
    "XBAR_S",
    "I_MR",
    "P",
    "NP",
    "C",
    "U",
    "P_LANEY",
    "U_LANEY",
    "DNOM",
    "Z_MR",
}
PROPORTION_CHARTS = {"P", "P_LANEY"}
"""Charts whose statistic is a proportion, read as % (p and Laney's p′)."""

COLOURS = {
    "value": "#1f6feb",
    "limit": "#cf222e",
    "center": "#1a7f37",
    "spec": "#8250df",
    "warn": "#d4a72c",
    "crit": "#cf222e",
    "info": "#8c959f",
    "zone_a": "rgba(207,34,46,0.10)",
    "zone_b": "rgba(212,167,44,0.12)",
    "zone_c": "rgba(26,127,55,0.10)",
    "stage": "#57606a",
}


def plot_time(iso: str) -> str:
    """An ISO timestamp as plotly's zone-less date string in the site's local time.

    plotly.js ignores UTC offsets, so times are converted to the configured zone first.
    """
    return plot_times([iso])[0]


def plot_times(isos: Sequence[str]) -> list[str]:
    """``plot_time`` of many timestamps (the zone is looked up once)."""
    zone = timezone.get_current_timezone()
    out = []
    for iso in isos:
        stamp = datetime.fromisoformat(iso)
        if stamp.tzinfo is not None:
            stamp = stamp.astimezone(zone).replace(tzinfo=None)
        out.append(stamp.isoformat(sep=" ", timespec="microseconds"))
    return out


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


ATTRIBUTE_LABELS = {"P": "p", "NP": "np", "C": "c", "U": "u", "P_LANEY": "p", "U_LANEY": "u"}


def observed(
    chart_type: str, mean: float | None, count: float | None, sample_size: float | None
) -> float | None:
    """What was measured, in the characteristic's unit: the subgroup mean (the value for
    individuals), the count for np and c, the proportion for p, defects per unit for u."""
    if count is None:
        return mean
    if chart_type in ("P", "U", "P_LANEY", "U_LANEY"):
        return count / sample_size if sample_size else None
    return count


def _number(value: float | None, decimals: int, unit: str = "") -> str:
    text = format_value(value, decimals)
    return f"{text} {unit}".rstrip() if unit and text != "–" else text


def reading(char: Mapping[str, Any], sample: Mapping[str, Any] | None) -> dict[str, Any]:
    """What a person reads about a sample: the measurement with its label in its unit
    (``measured``: "x̄ = 2.024 ml/min", "p = 4.0 %", "np = 3 parts") and, where the chart
    plots something else, that statistic with its own label (``statistic``: "z = 0.47",
    "EWMA = 42.05 °C", "C⁺ = 0.39, C⁻ = 0.00 mm"); counts have no decimals.

    ``sample`` has value, z, center_line (None before limits: the statistic is not known),
    secondary_value, n and the measurement (``observed``, or mean/count/sample_size).
    """
    empty = {
        "label": "",
        "value": "–",
        "unit": "",
        "measured": "–",
        "statistic": "",
        "text": "–",
        "number": None,
    }
    if not sample:
        return empty
    chart_type = str(char.get("chart_type") or "")
    places = char.get("decimal_places")
    decimals = int(places) if places is not None else 3
    unit = str(char.get("unit") or "")
    value = sample.get("observed")
    if value is None and "observed" not in sample:
        value = observed(
            chart_type, sample.get("mean"), sample.get("count"), sample.get("sample_size")
        )
    if value is None and sample.get("count") is None:
        value = sample.get("value")
    if chart_type in ATTRIBUTE_LABELS:
        label = ATTRIBUTE_LABELS[chart_type]
        if chart_type in PROPORTION_CHARTS:
            shown, unit = ("–" if value is None else f"{value * 100:.1f}"), "%"
        elif chart_type in ("NP", "C"):
            shown = "–" if value is None else f"{value:.0f}"
        else:
            shown = format_value(value, max(decimals, 2))
    else:
        label = "x" if float(sample.get("n") or 1) <= 1 else "x̄"
        if chart_type == "DNOM":  # the stored mean is the deviation from the part's target
            label = f"{label} − T"
        elif chart_type == "Z_MR":
            label, unit, decimals = "z", "", 2
        shown = format_value(value, decimals)
    measured = f"{label} = {shown} {unit}".rstrip() if shown != "–" else f"{label} = –"
    statistic = _statistic(chart_type, str(char.get("subgroup_mode") or ""), sample, decimals, unit)
    return {
        "label": label,
        "value": shown,
        "unit": unit,
        "measured": measured,
        "statistic": statistic,
        "text": f"{measured}, {statistic}" if statistic else measured,
        "number": value,
    }


def _statistic(
    chart_type: str, mode: str, sample: Mapping[str, Any], decimals: int, unit: str
) -> str:
    """The plotted statistic's label and value where it is not the measurement itself."""
    judged = sample.get("center_line") is not None
    if chart_type == "EWMA":
        return f"EWMA = {_number(sample.get('value'), decimals, unit)}" if judged else ""
    if chart_type == "CUSUM":
        if not judged:
            return ""
        upper = format_value(sample.get("value"), decimals)
        lower = _number(sample.get("secondary_value"), decimals, unit)
        return f"C⁺ = {upper}, C⁻ = {lower}"
    if mode == "STANDARDIZED" and sample.get("z") is not None:
        return f"z = {sample['z']:.2f}"
    return ""


def hover_text(char: Mapping[str, Any], point: Mapping[str, Any], time: str) -> str:
    """A point's hover: sample, time, the labelled reading, n, stage, rules."""
    shown = reading(char, point)
    lines = [f"Sample #{point['id']} · {time[:19]}", shown["measured"]]
    if point.get("part_number"):  # short-run charts: which part's target the point is from
        lines.insert(1, f"Part {point['part_number']}")
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


def secondary_hover(char: Mapping[str, Any], point: Mapping[str, Any]) -> str:
    """A secondary-pane point's hover: its R, S or MR and its stage's UCL, and its rules
    (101-108)."""
    name = titles(char["chart_type"])[1] or ""
    decimals = int(char.get("decimal_places", 3))
    value = point.get("secondary_value")
    text = f"Sample #{point['id']}<br>{name} = " + (
        "–" if value is None else f"{value:.{decimals}f}"
    )
    limits = point.get("secondary_limits") or {}
    if limits.get("ucl") is not None:
        text += f"<br>UCL {limits['ucl']:.{decimals}f}"
    for violation in point.get("violations") or ():
        rule = violation.get("rule")
        if rule == SECONDARY_BEYOND_LIMITS:
            text += f"<br>Rule {SECONDARY_BEYOND_LIMITS}: {name} beyond its limits"
        elif is_secondary_rule(rule):
            label = violation.get("rule_name")
            text += f"<br>Rule {rule}: {label}" if label else f"<br>Rule {rule}"
    return text
