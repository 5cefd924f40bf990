"""What a control chart draws around its points: zone bands, spec lines, stage markers,
limit labels and the sequence axis' time ticks (presentation only: every number comes
from the chart data's points and stages)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone

from spc.charts.style import (
    ATTRIBUTE_LABELS,
    BAND_CHARTS,
    COLOURS,
    PROPORTION_CHARTS,
    SPEC_CHARTS,
    format_value,
    has_secondary,
)

BANDS = (
    ("band_lcl", None),
    ("band_a_lower", "zone_a"),
    ("band_b_lower", "zone_b"),
    ("band_c", "zone_c"),
    ("band_b_upper", "zone_b"),
    ("band_a_upper", "zone_a"),
)
"""Zone band traces, bottom up: each fills down to the one before it (LCL, -2σ, -1σ,
+1σ, +2σ, UCL), so A, B and C are shaded between their boundaries at every point."""
TICKS = 8


def has_bands(chart_type: str) -> bool:
    """Zones mean something on the Shewhart charts the run rules read (not EWMA/CUSUM)."""
    return chart_type in BAND_CHARTS


def band_bounds(point: Mapping[str, Any], chart_type: str, k: float = 3.0) -> list[float | None]:
    """The six band boundaries of a point (see ``BANDS``), or Nones without limits.

    σ of the plotted statistic is (UCL − CL)/k above the centre line (k the limit width;
    the bands stay at ±1σ and ±2σ, each clipped at the limits when k < 2). Below it the
    variables charts use (CL − LCL)/3 and the attribute charts their statistic's own σ
    clipped at the LCL (which may sit at zero), as the core's zones do.
    """
    cl, ucl, lcl = point.get("center_line"), point.get("ucl"), point.get("lcl")
    if cl is None or ucl is None or lcl is None:
        return [None] * len(BANDS)
    upper = (ucl - cl) / k
    lower = upper if chart_type in ATTRIBUTE_LABELS else (cl - lcl) / k
    return [
        lcl,
        max(cl - 2 * lower, lcl),
        max(cl - lower, lcl),
        min(cl + upper, ucl),
        min(cl + 2 * upper, ucl),
        ucl,
    ]


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
        "name": "limit_label",
    }


def _stamp(iso: str | None) -> datetime | None:
    if not iso:
        return None
    stamp = datetime.fromisoformat(iso)
    return timezone.localtime(stamp) if timezone.is_aware(stamp) else stamp


def stage_text(stage: Mapping[str, Any]) -> str:
    """A stage marker's label: number, when, who, why ("Stage 2 · 12 Dec 14:05 · olga ·
    recalculated: new tool")."""
    parts = [f"Stage {stage['number']}"]
    when = _stamp(stage.get("start"))
    if when is not None:
        parts.append(when.strftime("%d %b %H:%M"))
    parts.append(stage.get("created_by") or "system")
    reason = (stage.get("reason") or "").strip()
    if reason:
        parts.append(reason if len(reason) <= 40 else reason[:39] + "…")
    return " · ".join(parts)


def stage_markers(
    points: Sequence[Mapping[str, Any]], stages: Sequence[Mapping[str, Any]], xs: Sequence[Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A dotted vertical line across both panes where a stage begins inside the window,
    between its first point and the one before, labelled at the top."""
    shapes: list[dict[str, Any]] = []
    labels: list[dict[str, Any]] = []
    for i in range(1, len(points)):
        stage = points[i].get("stage")
        if stage is None or stage == points[i - 1].get("stage"):
            continue
        x = between(xs[i - 1], xs[i])
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": x,
                "x1": x,
                "y0": 0,
                "y1": 1,
                "line": {"color": COLOURS["stage"], "width": 1.5, "dash": "dot"},
                "name": "stage",
            }
        )
        labels.append(
            {
                "xref": "x",
                "yref": "paper",
                "x": x,
                "y": 1,
                # Written away from the nearer edge, so the label stays on the chart.
                "xanchor": "left" if i < len(points) / 2 else "right",
                "yanchor": "bottom",
                "text": stage_text(stages[stage]),
                "showarrow": False,
                "font": {"size": 11, "color": COLOURS["stage"]},
                "name": "stage_label",
            }
        )
    return shapes, labels


def between(a: Any, b: Any) -> Any:
    """The x half way between two points: a position, or a plotted time string."""
    if isinstance(a, int | float) and isinstance(b, int | float):
        return (a + b) / 2
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    first, second = datetime.strptime(a, fmt), datetime.strptime(b, fmt)
    return (first + (second - first) / 2).strftime(fmt)


def time_ticks(points: Sequence[Mapping[str, Any]]) -> tuple[list[int], list[str]]:
    """Tick positions and time labels of the sequence axis: at most ``TICKS`` evenly
    spread points, as hh:mm, with the date where the window spans more than a day."""
    if not points:
        return [], []
    step = max(1, math.ceil(len(points) / TICKS))
    chosen = list(range(0, len(points), step))
    stamps = [_stamp(points[i]["timestamp"]) for i in chosen]
    first, last = _stamp(points[0]["timestamp"]), _stamp(points[-1]["timestamp"])
    long = first is not None and last is not None and (last - first).total_seconds() > 86400
    fmt = "%d %b<br>%H:%M" if long else "%H:%M"
    return [i + 1 for i in chosen], [s.strftime(fmt) if s else "" for s in stamps]


def limit_text(value: float, chart_type: str, decimals: int, standardized: bool) -> str:
    """A limit as its label shows it: a proportion in %, z with two decimals."""
    if standardized:
        return format_value(value, 2)
    if chart_type in PROPORTION_CHARTS:
        return f"{value * 100:.2f} %"
    return format_value(value, decimals)


def decorations(
    data: Mapping[str, Any], *, standardized: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Spec lines (not on a z scale) and the labels of the newest point's limits."""
    char = data["characteristic"]
    limits = data.get("limits") or {}
    decimals = int(char.get("decimal_places", 3))
    shapes: list[dict[str, Any]] = []
    labels: list[dict[str, Any]] = []
    if char["chart_type"] in SPEC_CHARTS and not standardized:
        for key in ("usl", "lsl"):
            if limits.get(key) is not None:
                shapes.append(_hline(limits[key], "y", COLOURS["spec"], key, dash="dashdot"))
                text = f"{key.upper()} {format_value(limits[key], decimals)}"
                labels.append(_label(limits[key], "y", text, COLOURS["spec"]))
    points = data.get("points") or []
    last = points[-1] if points else {}
    k = float(limits.get("limit_sigma") or char.get("limit_sigma") or 3.0)
    width = f" ({k:g}σ)" if k != 3.0 else ""
    for key, text, colour in (
        ("ucl", f"UCL{width}", COLOURS["limit"]),
        ("center_line", "CL", COLOURS["center"]),
        ("lcl", f"LCL{width}", COLOURS["limit"]),
    ):
        if last.get(key) is not None:
            label = f"{text} {limit_text(last[key], char['chart_type'], decimals, standardized)}"
            labels.append(_label(last[key], "y", label, colour))
        secondary = last.get("secondary_limits") or {}
        if has_secondary(char["chart_type"]) and secondary.get(key) is not None:
            label = f"{text} {format_value(secondary[key], decimals)}"
            labels.append(_label(secondary[key], "y2", label, colour))
    if limits.get("sigma_z") is not None and not standardized:
        note = _label(1.0, "paper", f"Laney σ_Z = {limits['sigma_z']:.3f}", COLOURS["stage"])
        labels.append({**note, "xanchor": "right", "yanchor": "bottom", "name": "sigma_z"})
    return shapes, labels
