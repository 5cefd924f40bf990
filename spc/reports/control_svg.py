"""The control chart of the printable PDF report as static SVG, from the chart data.

Drawn from :func:`spc.charts.data.chart_data` (the same data the chart page plots), with
nothing recomputed: every point against its own stage's limits as the data gives them
(``center_line``/``ucl``/``lcl`` per point, ``secondary_limits`` for the R, S or MR pane),
a labelled dashed marker where a new stage begins, violations as diamonds coloured by
severity (rules 101-108, rule k on the range or spread, on the secondary pane;
INFORMATIONAL grey), excluded points hollow. Points are equally spaced in subgroup order
with their times (plant time zone) as tick labels, as on the chart page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from spc.charts.style import titles
from spc.core.types import is_secondary_rule
from spc.reports import svg
from spc.reports.cells import local, zone_name
from spc.reports.svg import Frame, line, nice_ticks, padded, polyline, text, y_axis

VALUE = "#1f6feb"
CENTER = "#1a7f37"
LIMIT = "#cf222e"
WARN = "#d4a72c"
CRIT = "#cf222e"
INFO = "#8c959f"
LOWER = "#8250df"
STAGE = "#57606a"
#: Above this many points the subgroups are drawn as a line without dots.
MARKERS_UP_TO = 150
RIGHT = 84
#: Heights in the drawing's pixels (640 wide): margin, primary pane, gap, secondary pane,
#: time axis below.
TOP, PRIMARY, GAP, SECONDARY, AXIS_SPACE = 30, 136, 14, 56, 46

Point = Mapping[str, Any]


def control_chart_svg(data: Mapping[str, Any]) -> str:
    """The chart (pair) of ``data`` as an SVG element; a note when there are no points."""
    char = data["characteristic"]
    points = list(data.get("points") or [])
    if not points:
        frame = Frame((0, 1), (0, 1))
        return svg.svg([text(frame.x0 + 8, 120, "No samples in this period.")], height=160)
    pair = any(p.get("secondary_limits") or p.get("secondary_value") is not None for p in points)
    pair = pair and char["chart_type"] in ("XBAR_R", "XBAR_S", "I_MR")
    height = TOP + PRIMARY + (GAP + SECONDARY if pair else 0) + AXIS_SPACE
    x_range = (-0.6, len(points) - 0.4)
    primary_title, secondary_title = titles(char["chart_type"], char.get("subgroup_mode", ""))
    unit = char.get("unit") or ""
    z_scale = char.get("subgroup_mode") == "STANDARDIZED"
    primary = _pane(
        points,
        x_range,
        lambda p: (p.get("value"), p.get("center_line"), p.get("ucl"), p.get("lcl")),
        top=TOP,
        bottom=height - TOP - PRIMARY,
        height=height,
    )
    parts = y_axis(primary, _ticks(primary), _title(primary_title, "" if z_scale else unit))
    parts += _limits(primary, points, lambda p: (p.get("center_line"), p.get("ucl"), p.get("lcl")))
    parts += _series(primary, points, "value", VALUE)
    if char["chart_type"] == "CUSUM":
        parts += _series(primary, points, "secondary_value", LOWER, lower=True)
    parts += _markers(primary, points, rule_filter=lambda rule: not is_secondary_rule(rule))
    parts += _limit_labels(primary, points[-1], int(char.get("decimal_places", 3)), "")
    panes = [primary]
    if pair:
        secondary = _pane(
            points,
            x_range,
            lambda p: (p.get("secondary_value"), *_secondary_trio(p)),
            top=TOP + PRIMARY + GAP,
            bottom=AXIS_SPACE,
            height=height,
        )
        parts += y_axis(secondary, _ticks(secondary, 4), _title(secondary_title or "", unit))
        parts += _limits(secondary, points, _secondary_trio)
        parts += _series(secondary, points, "secondary_value", VALUE)
        parts += _markers(
            secondary,
            points,
            rule_filter=is_secondary_rule,
            key="secondary_value",
        )
        last = points[-1].get("secondary_limits") or {}
        parts += _limit_labels(secondary, last, int(char.get("decimal_places", 3)) + 1, "")
        panes.append(secondary)
    parts += _stages(panes, points, data.get("stages") or [])
    parts += _time_axis(panes[-1], points)
    parts += _legend(points)
    return svg.svg(parts, height=height, label=f"Control chart of {char.get('name', '')}")


def _title(name: str, unit: str) -> str:
    # WeasyPrint's SVG text does not place combining marks (X̄ printed as "X◌̄"): spell it.
    name = name.replace("X̄", "X-bar")
    return f"{name} ({unit})" if unit else name


def _secondary_trio(point: Point) -> tuple[Any, Any, Any]:
    limits = point.get("secondary_limits") or {}
    return limits.get("center_line"), limits.get("ucl"), limits.get("lcl")


def _pane(
    points: Sequence[Point],
    x_range: tuple[float, float],
    values: Callable[[Point], Sequence[Any]],
    **box: float,
) -> Frame:
    """A frame whose y range covers every value and limit of the pane, with a margin."""
    ys = [float(v) for p in points for v in values(p) if v is not None]
    if not ys:
        ys = [0.0, 1.0]
    return Frame(x_range, padded(min(ys), max(ys), 0.08), right=RIGHT, **box)


def _ticks(frame: Frame, target: int = 6) -> list[float]:
    return [t for t in nice_ticks(*frame.y_range, target=target) if _inside(frame, t)]


def _inside(frame: Frame, y: float) -> bool:
    return frame.y_range[0] <= y <= frame.y_range[1]


def _runs(points: Sequence[Point], value: Callable[[Point], Any]) -> list[list[tuple[int, float]]]:
    """Consecutive (index, value) runs without a missing value."""
    runs: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for i, point in enumerate(points):
        v = value(point)
        if v is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((i, float(v)))
    if current:
        runs.append(current)
    return runs


def _limits(
    frame: Frame, points: Sequence[Point], trio: Callable[[Point], Sequence[Any]]
) -> list[str]:
    """CL, UCL and LCL as steps: each point's own limits across its slot."""
    parts = []
    for k, colour, dash in ((0, CENTER, None), (1, LIMIT, "5,3"), (2, LIMIT, "5,3")):
        for run in _runs(points, partial(_nth, trio, k)):
            steps: list[tuple[float, float]] = []
            for i, y in run:
                steps += [(frame.sx(i - 0.5), frame.sy(y)), (frame.sx(i + 0.5), frame.sy(y))]
            drawn = polyline(steps, colour, 1.2)
            parts.append(drawn.replace("/>", f' stroke-dasharray="{dash}"/>') if dash else drawn)
    return parts


def _nth(trio: Callable[[Point], Sequence[Any]], k: int, point: Point) -> Any:
    return trio(point)[k]


def _series(
    frame: Frame, points: Sequence[Point], key: str, colour: str, *, lower: bool = False
) -> list[str]:
    """The plotted statistic as a line (a CUSUM's C⁻ below zero with ``lower``)."""

    def value(p: Point) -> Any:
        v = p.get(key)
        return -abs(v) if lower and v is not None else v

    return [
        polyline([(frame.sx(i), frame.sy(y)) for i, y in run], colour, 1.4)
        for run in _runs(points, value)
    ]


def _markers(
    frame: Frame,
    points: Sequence[Point],
    *,
    rule_filter: Callable[[int], bool],
    key: str = "value",
) -> list[str]:
    """Dots for subgroups (up to ``MARKERS_UP_TO``), hollow rings for excluded points and
    diamonds for violations (red critical, amber warning)."""
    parts = []
    dots = len(points) <= MARKERS_UP_TO
    for i, point in enumerate(points):
        y = point.get(key)
        if y is None:
            continue
        x, py = frame.sx(i), frame.sy(float(y))
        if point.get("is_excluded"):
            parts.append(f'<circle cx="{x:.1f}" cy="{py:.1f}" r="3.6" fill="white" '
                         f'stroke="{VALUE}" stroke-width="1.2"/>')  # fmt: skip
        elif dots:
            parts.append(f'<circle cx="{x:.1f}" cy="{py:.1f}" r="2.1" fill="{VALUE}"/>')
        severities = {
            v.get("severity") for v in point.get("violations") or () if rule_filter(v["rule"])
        }
        if severities:
            colour = CRIT if "CRITICAL" in severities else WARN if "WARNING" in severities else INFO
            parts.append(_diamond(x, py, colour))
    return parts


def _diamond(x: float, y: float, colour: str, r: float = 4.6) -> str:
    return (
        f'<polygon points="{x:.1f},{y - r:.1f} {x + r:.1f},{y:.1f} {x:.1f},{y + r:.1f} '
        f'{x - r:.1f},{y:.1f}" fill="{colour}" stroke="white" stroke-width="0.6"/>'
    )


def _limit_labels(frame: Frame, point: Point, decimals: int, suffix: str) -> list[str]:
    """UCL, CL and LCL of the newest point, right of the plot."""
    parts = []
    placed: list[float] = []
    for key, name, colour in (("ucl", "UCL", LIMIT), ("center_line", "CL", CENTER),
                              ("lcl", "LCL", LIMIT)):  # fmt: skip
        value = point.get(key)
        if value is None or not _inside(frame, value):
            continue
        y = frame.sy(value) + 3.5
        if any(abs(y - other) < 10 for other in placed):
            continue
        placed.append(y)
        parts.append(text(frame.x1 + 4, y, f"{name} {value:.{decimals}f}{suffix}", size=8.5,
                          fill=colour))  # fmt: skip
    return parts


def _stages(
    panes: Sequence[Frame], points: Sequence[Point], stages: Sequence[Mapping[str, Any]]
) -> list[str]:
    """A dashed line where a new stage begins, labelled with the stage's number."""
    parts = []
    top, bottom = panes[0], panes[-1]
    for i, point in enumerate(points):
        stage = point.get("stage")
        if stage is None or (i > 0 and points[i - 1].get("stage") == stage):
            continue
        number = stages[stage].get("number", stage + 1) if stage < len(stages) else stage + 1
        x = top.sx(i - 0.5)
        if i > 0:
            parts.append(line(x, top.top - 4, x, bottom.sy(bottom.y_range[0]), STAGE,
                              stroke_dasharray="2,3", stroke_width=1.2))  # fmt: skip
        parts.append(text(x + 3, top.top - 6, f"Stage {number}", size=8.5, fill=STAGE))
    return parts


def _time_axis(frame: Frame, points: Sequence[Point], target: int = 6) -> list[str]:
    """Sequence axis with the subgroups' local times (date and time on two lines)."""
    n = len(points)
    step = max(1, round(n / target))
    base = frame.height - frame.bottom
    parts = [line(frame.x0, base, frame.x1, base, svg.AXIS)]
    for i in range(0, n, step):
        moment = local(datetime.fromisoformat(points[i]["timestamp"]))
        x = frame.sx(i)
        parts.append(line(x, base, x, base + 4, svg.AXIS))
        parts.append(text(x, base + 14, moment.strftime("%Y-%m-%d"), size=8.5, anchor="middle"))
        parts.append(text(x, base + 24, moment.strftime("%H:%M"), size=8.5, anchor="middle"))
    title = f"Subgroups in order ({n}); times in {zone_name()}"
    parts.append(text((frame.x0 + frame.x1) / 2, frame.height - 4, title, size=9, anchor="middle"))
    return parts


def _legend(points: Sequence[Point]) -> list[str]:
    """What the marks mean, in one row at the top left."""
    items = [(CENTER, "CL"), (LIMIT, "UCL / LCL")]
    parts, x = [], svg.Frame((0, 1), (0, 1)).x0
    for colour, label in items:
        dash = {"stroke_dasharray": "5,3"} if label != "CL" else {}
        parts.append(line(x, 10, x + 16, 10, colour, stroke_width=1.5, **dash))
        parts.append(text(x + 20, 13.5, label, size=8.5))
        x += 26 + 6 * len(label)
    kinds = {v.get("severity") for p in points for v in p.get("violations") or ()}
    for severity, colour, label in (("CRITICAL", CRIT, "violation (critical)"),
                                    ("WARNING", WARN, "violation (warning)"),
                                    ("INFORMATIONAL", INFO, "informational")):  # fmt: skip
        if severity in kinds:
            parts.append(_diamond(x + 5, 10, colour, 4))
            parts.append(text(x + 13, 13.5, label, size=8.5))
            x += 22 + 5.6 * len(label)
    if any(p.get("is_excluded") for p in points):
        parts.append(f'<circle cx="{x + 5:.1f}" cy="10" r="3.4" fill="white" stroke="{VALUE}"/>')
        parts.append(text(x + 13, 13.5, "excluded", size=8.5))
    return parts
