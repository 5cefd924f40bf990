"""Layout decorations of a control chart: zone bands, limit and spec lines, their labels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spc.charts.style import (
    BAND_CHARTS,
    COLOURS,
    SAME_LIMITS_TOLERANCE,
    SECONDARY_CHARTS,
    SPEC_CHARTS,
    format_value,
    has_secondary,
)


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


def decorations(data: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
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
