"""The printable PDF report a QA manager signs.

Per characteristic, on its own page: the control chart of the period (stages and
violations marked as the chart data gives them), then the capability study with its
honest verdict (stability and normality weighed before the index), the histogram with
both normal curves and the PPM, and the distribution fits with the best fit's percentile
indices (information beside the normal verdict). Then a summary of every
characteristic's capability, the violation summary (Paretos and the open violations
grouped, not pages of raw rows) and a sign-off block.

Rendered with WeasyPrint (HTML and CSS to PDF on Debian's Pango; no browser process in
the worker). The charts are static SVG drawn by :mod:`spc.reports.control_svg` and
:mod:`spc.reports.svg` from the same data the pages plot.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from spc.charts.data import chart_data
from spc.charts.style import titles
from spc.core.errors import InputError
from spc.core.nonnormal import AUTO
from spc.core.types import ChartType
from spc.models import Characteristic
from spc.reports import svg
from spc.reports.capability_nonnormal import nonnormal_view
from spc.reports.capability_study import capability_study
from spc.reports.cells import local, zone_name
from spc.reports.control_svg import control_chart_svg
from spc.reports.display import capability_view
from spc.reports.pareto import PARETO_DIMENSIONS, open_groups, violation_analysis
from spc.reports.scope import ReportScope

#: The control chart of the PDF shows at most this many (the newest) subgroups.
CHART_POINTS = 1000
#: The open-violation table lists at most this many (characteristic, rule) groups.
OPEN_GROUPS = 30
PARETO_TITLES = {
    "rule": "Violations by rule",
    "reason_code": "Acknowledged violations by reason code",
    "characteristic": "Violations by characteristic",
}


def report_characteristics(scope: ReportScope) -> list[Characteristic]:
    """The scope's characteristics, in plant order: each gets a page."""
    return list(scope.characteristics().order_by("hierarchy__path", "name", "id"))


def characteristic_page(char: Characteristic, scope: ReportScope) -> dict[str, Any]:
    """The control chart and capability of one characteristic, ready for the template."""
    data = chart_data(char, start=scope.start, end=scope.end, limit=CHART_POINTS)
    points = data["points"]
    primary, secondary = titles(char.chart_type, char.subgroup_mode)
    page: dict[str, Any] = {
        "char": char,
        "chart_name": f"{primary} and {secondary}" if secondary else primary,
        "chart_svg": mark_safe(control_chart_svg(data)),
        "chart_shown": len(points),
        "chart_total": scope.samples().filter(characteristic=char).count(),
        "chart_first": _moment(points[0]["timestamp"]) if points else None,
        "chart_last": _moment(points[-1]["timestamp"]) if points else None,
        "variables": ChartType(char.chart_type).is_variable,
    }
    if page["variables"]:
        try:
            study = capability_study(
                char, start=scope.start, end=scope.end, distribution=AUTO, strict=False,
                judge_fit=False,
            )  # fmt: skip
        except InputError as exc:
            page["error"] = exc.message
        else:
            page["study"] = study
            page["view"] = capability_view(study)
            page["histogram_svg"] = mark_safe(svg.histogram_svg(study, 420, 270))
            if study["nonnormal"] is not None:
                page["nonnormal"] = nonnormal_view(
                    study["nonnormal"], char.decimal_places, char.unit or ""
                )
    return page


def report_context(
    scope: ReportScope, progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Everything the PDF template shows, with charts as SVG markup."""
    pages = []
    for done, char in enumerate(report_characteristics(scope), start=1):
        pages.append(characteristic_page(char, scope))
        if progress is not None:
            progress(done)
    analysis = violation_analysis(scope)
    return {
        "scope": scope,
        "zone": zone_name(),
        "generated_at": local(timezone.now()),
        "pages": pages,
        "studies": [p for p in pages if p["variables"]],
        "analysis": analysis,
        "paretos": [
            {
                "title": PARETO_TITLES[d],
                "svg": mark_safe(svg.pareto_svg(analysis["pareto"][d])),
                "bars": len(analysis["pareto"][d]),
            }
            for d in PARETO_DIMENSIONS
        ],
        "open_groups": open_groups(scope, OPEN_GROUPS),
        "max_open_groups": OPEN_GROUPS,
    }


def _moment(iso: str) -> datetime:
    return local(datetime.fromisoformat(iso))


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
