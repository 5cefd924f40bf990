"""Where the part number changes on a short-run chart (DNOM, Z-MR): a thin line between
the last point of one part's run and the first of the next, and the part's name at the top
of its run, so a reader sees which part each stretch of the combined series is from
(presentation only; the hover names each point's part as well)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from spc.charts.decorations import between
from spc.charts.style import COLOURS

SHORT_RUN_CHARTS = ("DNOM", "Z_MR")
MAX_LABELS = 40
"""More part runs than this in one view: lines only (the labels would overlap)."""


def part_marks(
    chart_type: str, points: Sequence[Mapping[str, Any]], xs: Sequence[Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(shapes, annotations) of the part runs of a short-run chart; none for other charts."""
    if chart_type not in SHORT_RUN_CHARTS or not points:
        return [], []
    starts = [0] + [
        i
        for i in range(1, len(points))
        if points[i].get("part_number") != points[i - 1].get("part_number")
    ]
    shapes = [
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": (x := between(xs[i - 1], xs[i])),
            "x1": x,
            "y0": 0,
            "y1": 1,
            "line": {"color": COLOURS["stage"], "width": 1},
            "name": "part",
        }
        for i in starts[1:]
    ]
    labels = []
    if len(starts) <= MAX_LABELS:
        labels = [
            {
                "xref": "x",
                "yref": "paper",
                "x": xs[i],
                "y": 1,
                "xanchor": "left",
                "yanchor": "top",
                "text": f"Part {points[i].get('part_number') or '–'}",
                "showarrow": False,
                "font": {"size": 11, "color": COLOURS["stage"]},
                "name": "part_label",
            }
            for i in starts
        ]
    return shapes, labels
