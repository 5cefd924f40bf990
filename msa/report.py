"""The printable PDF of a gauge study: header, verdict, tables, a components chart, the
readings and a sign-off block. Rendered with WeasyPrint like the quality report
(``spc/reports/pdf.py``); the chart is a small static SVG drawn here.
"""

from __future__ import annotations

from html import escape
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from msa.analysis import analyse, progress
from msa.models import GaugeStudy
from spc.core.errors import InputError

_BARS = (
    ("pct_contribution", "%Contribution", "#1f77b4"),
    ("pct_study_var", "%Study var", "#ff7f0e"),
)


def components_svg(
    components: list[dict[str, Any]], width: int = 640, height: int = 220
) -> SafeString:
    """Grouped bars of %Contribution and %Study var for the four R&R sources."""
    keep = ["Total Gage R&R", "Repeatability", "Reproducibility", "Part-to-Part"]
    rows = [r for r in components if r["source"] in keep]
    left, bottom, top = 40, 30, 15
    plot_h = height - bottom - top
    group = (width - left - 10) / max(len(rows), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             'role="img" aria-label="Components of variation">']  # fmt: skip
    for tick in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - tick / 100)
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{y + 3:.1f}" font-size="9" text-anchor="end">{tick}</text>'
        )
    for i, row in enumerate(rows):
        x0 = left + i * group + group * 0.15
        bar_w = group * 0.7 / len(_BARS)
        for j, (key, _, colour) in enumerate(_BARS):
            value = max(0.0, min(float(row[key] or 0.0), 100.0))
            h = plot_h * value / 100
            parts.append(
                f'<rect x="{x0 + j * bar_w:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="{colour}"/>'
            )
        label = escape(row["source"])
        parts.append(
            f'<text x="{x0 + group * 0.35:.1f}" y="{height - bottom + 14}" font-size="9" '
            f'text-anchor="middle">{label}</text>'
        )
    for j, (_, name, colour) in enumerate(_BARS):
        x = left + j * 120
        parts.append(f'<rect x="{x}" y="{height - 10}" width="8" height="8" fill="{colour}"/>')
        parts.append(f'<text x="{x + 12}" y="{height - 3}" font-size="9">{name}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def report_context(study: GaugeStudy) -> dict[str, Any]:
    """Everything the PDF template shows."""
    done, expected = progress(study)
    context: dict[str, Any] = {
        "study": study,
        "done": done,
        "expected": expected,
        "printed": timezone.localtime(),
        "measurements": study.measurements.select_related("entered_by").order_by(
            "operator", "part", "trial"
        ),
    }
    try:
        result = analyse(study)
    except InputError as exc:
        context["error"] = exc.message
        return context
    context["result"] = result
    if result.get("components"):
        context["components_svg"] = components_svg(result["components"])
    return context


def render_study_pdf(study: GaugeStudy) -> bytes:
    """The study's report as PDF bytes."""
    from weasyprint import HTML  # imported here: Pango loads only when a PDF is made

    html = render_to_string("msa/pdf_report.html", report_context(study))
    return bytes(HTML(string=html).write_pdf())
