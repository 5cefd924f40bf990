"""The printable PDF report: capability per characteristic, violation analysis, tables.

Rendered with WeasyPrint (HTML and CSS to PDF on Debian's Pango; no browser process in
the worker). The charts are static SVG drawn by :mod:`spc.reports.svg` from the same
data the Plotly pages show.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from spc.core.errors import InputError
from spc.core.types import ChartType
from spc.reports import exports, svg
from spc.reports.capability_study import capability_study
from spc.reports.pareto import PARETO_DIMENSIONS, violation_analysis
from spc.reports.scope import ReportScope

#: The PDF lists at most this many violations; the CSV/XLSX exports have them all.
MAX_VIOLATION_ROWS = 500
PARETO_TITLES = {
    "rule": "Violations by rule",
    "reason_code": "Violations by reason code",
    "characteristic": "Violations by characteristic",
}


def variable_characteristics(scope: ReportScope) -> list[Any]:
    """The scope's variables-chart characteristics: the ones a capability study covers."""
    return [c for c in scope.characteristics() if ChartType(c.chart_type).is_variable]


def report_context(
    scope: ReportScope, progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Everything the PDF template shows, with charts as SVG markup."""
    studies = []
    chars = variable_characteristics(scope)
    for done, char in enumerate(chars, start=1):
        try:
            study = capability_study(char, start=scope.start, end=scope.end)
            studies.append(
                {"char": char, "study": study, "svg": mark_safe(svg.histogram_svg(study))}
            )
        except InputError as exc:
            studies.append({"char": char, "error": exc.message})
        if progress is not None:
            progress(done)
    analysis = violation_analysis(scope)
    violations = exports.violation_table(scope)
    return {
        "scope": scope,
        "generated_at": timezone.now(),
        "studies": studies,
        "analysis": analysis,
        "paretos": [
            {"title": PARETO_TITLES[d], "svg": mark_safe(svg.pareto_svg(analysis["pareto"][d]))}
            for d in PARETO_DIMENSIONS
        ],
        "violation_header": violations.header,
        "violation_rows": list(islice(violations.rows, MAX_VIOLATION_ROWS)),
        "violation_total": analysis["acknowledgement"]["total"],
        "max_violation_rows": MAX_VIOLATION_ROWS,
    }


def engine_problem() -> str:
    """Why WeasyPrint cannot run here (e.g. Pango missing), or "" when it can."""
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:
        return str(exc)
    return ""


def render_pdf(scope: ReportScope, progress: Callable[[int], None] | None = None) -> bytes:
    """The report as PDF bytes."""
    from weasyprint import HTML  # imported here: Pango loads only when a PDF is made

    html = render_to_string("reports/pdf_report.html", report_context(scope, progress))
    return bytes(HTML(string=html).write_pdf())


def write_pdf(path: Path, scope: ReportScope, progress: Callable[[int], None] | None = None) -> int:
    """Write the report to ``path``; returns the number of characteristics covered."""
    counter = {"n": 0}

    def count(done: int) -> None:
        counter["n"] = done
        if progress is not None:
            progress(done)

    path.write_bytes(render_pdf(scope, count))
    return counter["n"]
