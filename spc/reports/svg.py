"""Small static SVG charts for the printable PDF report.

The PDF is rendered without a browser (WeasyPrint draws SVG natively), so its charts are
drawn here from the same data the Plotly pages use: the core's histogram (bins and the
fitted normal curve) and the Pareto bars. Presentation only; nothing is recomputed.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40
BAR = "#4c78a8"
CURVE = "#e45756"
SPEC = "#b22222"
CUMULATIVE = "#f58518"


def histogram_svg(study: dict[str, Any]) -> str:
    """Histogram bars, fitted normal curve and dashed spec limits (LSL, target, USL)."""
    hist = study["histogram"]
    edges, counts = hist["edges"], hist["counts"]
    marks = [
        (name, float(study[key]))
        for name, key in (("LSL", "lsl"), ("T", "target"), ("USL", "usl"))
        if study.get(key) is not None
    ]
    xs = [*edges, *hist["curve_x"], *(v for _, v in marks)]
    x_min, x_max = min(xs), max(xs)
    y_max = max([*counts, *hist["curve_y"], 1]) * 1.1

    def sx(x: float) -> float:
        return LEFT + (x - x_min) / (x_max - x_min) * (WIDTH - LEFT - RIGHT)

    def sy(y: float) -> float:
        return HEIGHT - BOTTOM - y / y_max * (HEIGHT - TOP - BOTTOM)

    parts = [_frame()]
    for lo, hi, c in zip(edges[:-1], edges[1:], counts, strict=True):
        parts.append(
            f'<rect x="{sx(lo):.1f}" y="{sy(c):.1f}" width="{max(sx(hi) - sx(lo) - 1, 0.5):.1f}" '
            f'height="{sy(0) - sy(c):.1f}" fill="{BAR}"/>'
        )
    points = " ".join(
        f"{sx(x):.1f},{sy(y):.1f}" for x, y in zip(hist["curve_x"], hist["curve_y"], strict=True)
    )
    parts.append(f'<polyline points="{points}" fill="none" stroke="{CURVE}" stroke-width="2"/>')
    for name, value in marks:
        x = sx(value)
        # Labels sit inside the plot: left of the USL line, right of the others.
        tx, anchor = (x - 3, "end") if name == "USL" else (x + 3, "start")
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{sy(0):.1f}" stroke="{SPEC}" '
            f'stroke-dasharray="5,3"/><text x="{tx:.1f}" y="{TOP + 10}" font-size="10" '
            f'text-anchor="{anchor}" fill="{SPEC}">{name}</text>'
        )
    parts += _x_ticks(x_min, x_max, sx)
    parts.append(_y_label(y_max, sy))
    return _svg(parts)


def pareto_svg(bars: Sequence[dict[str, Any]], limit: int = 12) -> str:
    """Bars of counts (largest first, at most ``limit``) with the cumulative % line."""
    bars = list(bars)[:limit]
    if not bars:
        return _svg([_frame(), f'<text x="{LEFT + 8}" y="{HEIGHT / 2}">No violations</text>'])
    y_max = max(b["count"] for b in bars) * 1.1
    step = (WIDTH - LEFT - RIGHT) / len(bars)

    def sy(y: float) -> float:
        return HEIGHT - BOTTOM - y / y_max * (HEIGHT - TOP - BOTTOM)

    def sp(percent: float) -> float:
        return HEIGHT - BOTTOM - percent / 100 * (HEIGHT - TOP - BOTTOM)

    parts = [_frame()]
    for i, bar in enumerate(bars):
        x = LEFT + i * step
        parts.append(
            f'<rect x="{x + 2:.1f}" y="{sy(bar["count"]):.1f}" width="{step - 4:.1f}" '
            f'height="{sy(0) - sy(bar["count"]):.1f}" fill="{BAR}"/>'
            f'<text x="{x + step / 2:.1f}" y="{sy(bar["count"]) - 3:.1f}" font-size="10" '
            f'text-anchor="middle">{bar["count"]}</text>'
            f'<text x="{x + step / 2:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="9" '
            f'text-anchor="middle">{escape(_short(bar["label"]))}</text>'
        )
    line = " ".join(
        f"{LEFT + (i + 0.5) * step:.1f},{sp(b['cumulative_percent']):.1f}"
        for i, b in enumerate(bars)
    )
    parts.append(f'<polyline points="{line}" fill="none" stroke="{CUMULATIVE}" stroke-width="2"/>')
    parts.append(f'<text x="{WIDTH - RIGHT}" y="{TOP + 10}" font-size="10" text-anchor="end" '
                 f'fill="{CUMULATIVE}">cumulative %</text>')  # fmt: skip
    return _svg(parts)


def _svg(parts: list[str]) -> str:
    body = "".join(parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif">{body}</svg>'
    )


def _frame() -> str:
    return (
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" '
        f'stroke="#333"/><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" '
        f'stroke="#333"/>'
    )


def _x_ticks(x_min: float, x_max: float, sx: Any) -> list[str]:
    ticks = [x_min + (x_max - x_min) * i / 4 for i in range(5)]
    return [
        f'<text x="{sx(t):.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="9" text-anchor="middle">'
        f"{t:.4g}</text>"
        for t in ticks
    ]


def _y_label(y_max: float, sy: Any) -> str:
    top = y_max / 1.1
    return (
        f'<text x="{LEFT - 4}" y="{sy(top) + 3:.1f}" font-size="9" text-anchor="end">'
        f"{top:.0f}</text>"
        f'<text x="{LEFT - 4}" y="{sy(0) + 3:.1f}" font-size="9" text-anchor="end">0</text>'
    )


def _short(label: str, size: int = 14) -> str:
    return label if len(label) <= size else label[: size - 1] + "…"
