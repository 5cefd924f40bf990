"""Small static SVG charts for the printable PDF report: drawing helpers, the capability
histogram and the Pareto chart (the control chart is in :mod:`spc.reports.control_svg`).

The PDF is rendered without a browser (WeasyPrint draws SVG natively), so its charts are
drawn here from the same data the Plotly pages use: the core's histogram (bins and the
fitted normal curves) and the Pareto bars. Presentation only; nothing is recomputed.
Axes carry "nice" ticks (1, 2, 2.5 or 5 × 10ᵏ) with gridlines and a title with the unit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

WIDTH, HEIGHT = 640, 260
BAR = "#4c78a8"
CURVE = "#e45756"
WITHIN = "#2f7d32"
SPEC = "#b22222"
TARGET = "#6a3d9a"
CUMULATIVE = "#f58518"
GRID = "#e3e6ea"
AXIS = "#333333"
TEXT = "#1c2430"


@dataclass(frozen=True)
class Frame:
    """A plot area inside a ``width`` × ``height`` drawing, with data ranges on both axes."""

    x_range: tuple[float, float]
    y_range: tuple[float, float]
    left: float = 58
    right: float = 16
    top: float = 18
    bottom: float = 44
    width: float = WIDTH
    height: float = HEIGHT

    def sx(self, x: float) -> float:
        low, high = self.x_range
        span = high - low or 1.0
        return self.left + (x - low) / span * (self.width - self.left - self.right)

    def sy(self, y: float) -> float:
        low, high = self.y_range
        span = high - low or 1.0
        return self.height - self.bottom - (y - low) / span * self.plot_height

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom

    @property
    def x0(self) -> float:
        return self.left

    @property
    def x1(self) -> float:
        return self.width - self.right


def nice_ticks(low: float, high: float, target: int = 6, *, integer: bool = False) -> list[float]:
    """Round tick values inside [low, high], as close to ``target`` of them as the steps
    1, 2, 2.5 and 5 × 10ᵏ allow (at least 3 where the range permits); whole-number steps
    only with ``integer`` (for counts)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return []
    if high <= low:
        return [low]
    power = 10 ** math.floor(math.log10((high - low) / max(target - 1, 1)))
    options = []
    for step in (m * power * f for f in (0.1, 1, 10) for m in (1, 2, 2.5, 5)):
        if not integer or (step >= 1 and step == int(step)):
            options.append(_ticks(low, high, step))
    for least in (min(3, target), 2):
        fits = [t for t in options if len(t) >= least]
        if fits:  # the closest count to the target; the coarser step on a tie
            return min(reversed(fits), key=lambda t: abs(len(t) - target))
    return [low, high]


def _ticks(low: float, high: float, step: float) -> list[float]:
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    if last - first > 200:
        return []
    return [0.0 if k == 0 else round(k * step, 12) for k in range(first, last + 1)]


def tick_decimals(ticks: Sequence[float]) -> int:
    """Decimals that show the ticks' step exactly (0.025 → 3), at most 6."""
    if len(ticks) < 2:
        return 2
    step = abs(ticks[1] - ticks[0])
    return next((d for d in range(7) if abs(round(step, d) - step) <= step * 1e-6), 6)


def padded(low: float, high: float, share: float = 0.06) -> tuple[float, float]:
    """The range widened by ``share`` on each side (a flat range by a unit)."""
    span = high - low
    if span <= 0:
        return low - 1, high + 1
    return low - span * share, high + span * share


def text(
    x: float, y: float, body: str, *, size: float = 10, anchor: str = "start",
    fill: str = TEXT, weight: str = "normal", rotate: float | None = None,
) -> str:  # fmt: skip
    """An SVG text element (escaped)."""
    turn = f' transform="rotate({rotate:g} {x:.1f} {y:.1f})"' if rotate is not None else ""
    bold = ' font-weight="bold"' if weight != "normal" else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" text-anchor="{anchor}" '
        f'fill="{fill}"{bold}{turn}>{escape(body)}</text>'
    )


def line(x1: float, y1: float, x2: float, y2: float, colour: str, **attrs: Any) -> str:
    """An SVG line; keyword attributes use underscores for dashes (stroke_width=2)."""
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}"{extra}/>'
    )


def polyline(points: Sequence[tuple[float, float]], colour: str, width: float = 1.5) -> str:
    """An open polyline through pixel ``points``."""
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return (
        f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="{width:g}" '
        'stroke-linejoin="round"/>'
    )


def y_axis(
    frame: Frame, ticks: Sequence[float], title: str, *, decimals: int | None = None
) -> list[str]:
    """Gridlines and labels of the y ticks, the axis line and the rotated title."""
    places = tick_decimals(ticks) if decimals is None else decimals
    parts = []
    for tick in ticks:
        y = frame.sy(tick)
        parts.append(line(frame.x0, y, frame.x1, y, GRID))
        parts.append(text(frame.x0 - 5, y + 3.5, f"{tick:.{places}f}", size=9, anchor="end"))
    parts.append(line(frame.x0, frame.top, frame.x0, frame.height - frame.bottom, AXIS))
    middle = frame.top + frame.plot_height / 2
    parts.append(text(13, middle, title, size=10, anchor="middle", rotate=-90))
    return parts


def x_axis(frame: Frame, ticks: Sequence[tuple[float, str]], title: str) -> list[str]:
    """Tick marks and labels under the plot, the axis line and the title below them."""
    base = frame.height - frame.bottom
    parts = [line(frame.x0, base, frame.x1, base, AXIS)]
    for value, label in ticks:
        x = frame.sx(value)
        parts.append(line(x, base, x, base + 4, AXIS))
        parts.append(text(x, base + 15, label, size=9, anchor="middle"))
    if title:
        parts.append(text((frame.x0 + frame.x1) / 2, frame.height - 6, title, anchor="middle"))
    return parts


def legend(items: Sequence[tuple[str, str, str]], x: float, y: float) -> list[str]:
    """A one-row legend: (colour, kind "line"/"dash"/"box", label), right to left from x."""
    parts = []
    for colour, kind, label in reversed(items):
        width = 6.2 * len(label) + 4
        x -= width
        parts.append(text(x, y + 4, label, size=9))
        if kind == "box":
            parts.append(
                f'<rect x="{x - 14:.1f}" y="{y - 4:.1f}" width="10" height="8" fill="{colour}"/>'
            )
        else:
            dash = {"stroke_dasharray": "5,3"} if kind == "dash" else {}
            parts.append(line(x - 20, y, x - 4, y, colour, stroke_width=2, **dash))
        x -= 28
    return parts


def svg(parts: Sequence[str], width: float = WIDTH, height: float = HEIGHT, label: str = "") -> str:
    """The drawing as a standalone SVG element (``label`` is its accessible name)."""
    title = f"<title>{escape(label)}</title>" if label else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}" height="{height:g}" '
        f'viewBox="0 0 {width:g} {height:g}" font-family="sans-serif" role="img">'
        f"{title}{''.join(parts)}</svg>"
    )


def histogram_svg(study: dict[str, Any], width: float = WIDTH, height: float = HEIGHT) -> str:
    """Histogram bars, the normal curves (overall and within σ) and the spec lines, in a
    ``width`` × ``height`` drawing (text keeps its size: a narrower drawing has room for
    fewer ticks)."""
    hist = study["histogram"]
    edges, counts = hist["edges"], hist["counts"]
    marks = [
        (name, float(study[key]))
        for name, key in (("LSL", "lsl"), ("Target", "target"), ("USL", "usl"))
        if study.get(key) is not None
    ]
    curves = [(hist["curve_y"], CURVE, "line", "Normal, σ overall")]
    if hist.get("curve_y_within"):
        curves.append((hist["curve_y_within"], WITHIN, "dash", "Normal, σ within"))
    xs = [*edges, *(v for _, v in marks)]
    x_range = padded(min(xs), max(xs), 0.04)
    tallest = max([*counts, *(max(c[0]) for c in curves), 1])
    y_ticks = nice_ticks(0, tallest * 1.08, integer=True)
    top = 40 if width < 560 else 26  # a narrow drawing puts its legend on two rows
    frame = Frame(x_range, (0, max(y_ticks[-1], tallest * 1.08)), top=top, width=width,
                  height=height)  # fmt: skip
    parts = y_axis(frame, y_ticks, "Count (values per bin)", decimals=0)
    for lo, hi, c in zip(edges[:-1], edges[1:], counts, strict=True):
        parts.append(
            f'<rect x="{frame.sx(lo):.1f}" y="{frame.sy(c):.1f}" '
            f'width="{max(frame.sx(hi) - frame.sx(lo) - 1, 0.5):.1f}" '
            f'height="{frame.sy(0) - frame.sy(c):.1f}" fill="{BAR}"/>'
        )
    for ys, colour, kind, _ in curves:
        points = [
            (frame.sx(x), frame.sy(y))
            for x, y in zip(hist["curve_x"], ys, strict=True)
            if x_range[0] <= x <= x_range[1]
        ]
        drawn = polyline(points, colour, 2)
        parts.append(drawn.replace("/>", ' stroke-dasharray="6,3"/>') if kind == "dash" else drawn)
    parts += _spec_marks(frame, marks)
    decimals = int(study["characteristic"].get("decimal_places", 3))
    x_ticks = nice_ticks(*x_range, target=max(3, int(width // 90)))
    places = max(tick_decimals(x_ticks), 0) if x_ticks else decimals
    parts += x_axis(frame, [(t, f"{t:.{places}f}") for t in x_ticks], _unit_title(study))
    items = [(BAR, "box", "Values"), *((c, k, name) for _, c, k, name in curves)]
    if width < 560:
        parts += legend(items[:1], frame.x1, 9) + legend(items[1:], frame.x1, 22)
    else:
        parts += legend(items, frame.x1, 9)
    name = study["characteristic"].get("name", "")
    return svg(parts, width, height, label=f"Histogram of {name}")


def _spec_marks(frame: Frame, marks: Sequence[tuple[str, float]]) -> list[str]:
    parts = []
    for name, value in marks:
        x = frame.sx(value)
        colour = TARGET if name == "Target" else SPEC
        # Labels sit inside the plot: left of the USL line, right of the others.
        tx, anchor = (x - 3, "end") if name == "USL" else (x + 3, "start")
        parts.append(line(x, frame.top, x, frame.sy(frame.y_range[0]), colour,
                          stroke_dasharray="5,3", stroke_width=1.5))  # fmt: skip
        parts.append(text(tx, frame.top + 9, name, size=9, anchor=anchor, fill=colour))
    return parts


def _unit_title(study: dict[str, Any]) -> str:
    char = study["characteristic"]
    unit = char.get("unit") or ""
    return f"{char.get('name', 'Value')} ({unit})" if unit else str(char.get("name", "Value"))


def pareto_svg(bars: Sequence[dict[str, Any]], limit: int = 10, what: str = "Violations") -> str:
    """Bars of counts (largest first, at most ``limit``; the rest summed as "Others") with
    the cumulative percentage on the right axis, rising from the first bar's share."""
    bars = list(bars)
    if not bars:
        frame = Frame((0, 1), (0, 1))
        return svg([*x_axis(frame, [], ""), text(frame.x0 + 8, HEIGHT / 2, "No violations")])
    shown = _with_others(bars, limit)
    height = 300
    top = max(b["count"] for b in shown)
    y_ticks = nice_ticks(0, top * 1.1, integer=True)
    frame = Frame((0, len(shown)), (0, max(y_ticks[-1], top * 1.1)), right=46, bottom=84,
                  height=height)  # fmt: skip
    parts = y_axis(frame, y_ticks, what, decimals=0)
    step = (frame.x1 - frame.x0) / len(shown)
    for i, bar in enumerate(shown):
        x = frame.x0 + i * step
        y = frame.sy(bar["count"])
        parts.append(
            f'<rect x="{x + 3:.1f}" y="{y:.1f}" width="{step - 6:.1f}" '
            f'height="{frame.sy(0) - y:.1f}" fill="{BAR}"/>'
        )
        parts.append(text(x + step / 2, y - 3, f"{bar['count']:,}", size=9, anchor="middle"))
        for k, label_line in enumerate(wrap(bar["label"], max(8, int(step / 5.6)))):
            parts.append(text(x + step / 2, frame.sy(0) + 13 + 11 * k, label_line, size=8.5,
                              anchor="middle"))  # fmt: skip
    parts += _cumulative(frame, shown, step)
    parts.append(line(frame.x0, frame.sy(0), frame.x1, frame.sy(0), AXIS))
    return svg(parts, height=height, label=f"Pareto of {what.lower()}")


def _cumulative(frame: Frame, bars: Sequence[dict[str, Any]], step: float) -> list[str]:
    """The cumulative % line and its right-hand axis (0–100 %)."""

    def sp(percent: float) -> float:
        return frame.height - frame.bottom - percent / 100 * frame.plot_height

    points = [
        (frame.x0 + (i + 0.5) * step, sp(b["cumulative_percent"])) for i, b in enumerate(bars)
    ]
    parts = [line(frame.x1, frame.top, frame.x1, frame.sy(0), AXIS)]
    for percent in (0, 25, 50, 75, 100):
        parts.append(text(frame.x1 + 4, sp(percent) + 3.5, f"{percent} %", size=9,
                          fill=CUMULATIVE))  # fmt: skip
    parts.append(polyline(points, CUMULATIVE, 2))
    parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{CUMULATIVE}"/>' for x, y in points]
    parts.append(text(frame.x1 - 4, frame.top - 6, "cumulative %", size=9, anchor="end",
                      fill=CUMULATIVE))  # fmt: skip
    return parts


def _with_others(bars: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` - 1 bars and one "Others" bar for the rest (if more remain)."""
    if len(bars) <= limit:
        return bars
    kept, rest = bars[: limit - 1], bars[limit - 1 :]
    others = {
        "label": f"Others ({len(rest)})",
        "count": sum(b["count"] for b in rest),
        "cumulative_percent": 100.0,
    }
    return [*kept, others]


def wrap(label: str, width: int, lines: int = 3) -> list[str]:
    """``label`` broken at spaces into at most ``lines`` lines of about ``width`` characters
    (the last one shortened with an ellipsis if it still does not fit)."""
    out: list[str] = []
    for word in label.split():
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    if len(out) > lines:
        out = [*out[: lines - 1], " ".join(out[lines - 1 :])]
    return [w if len(w) <= width else w[: width - 1] + "…" for w in out]
