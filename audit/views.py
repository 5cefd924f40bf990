"""The audit-trail page and its CSV export (read-only).

Open to users with the ``audit.view_auditentry`` permission (the export needs
``audit.export_auditentry``); which roles hold them is the project's business. Anonymous
users are sent to the login page, others without the permission get a 403.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from audit.display import change_rows
from audit.exports import csv_rows
from audit.filters import AuditFilterForm, filter_entries
from audit.models import AuditEntry
from audit.scoping import visible_entries

PAGE_SIZE = 50


def _entries(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEntry]]:
    """The filter form and the user's visible entries matching it, newest first."""
    visible = visible_entries(request.user).order_by("-time", "-id")
    models = sorted(set(visible.values_list("object_type", flat=True).distinct()))
    form = AuditFilterForm(request.GET or None, models=models)
    if form.is_bound and not form.is_valid():
        return form, visible.none()
    return form, filter_entries(visible, form.cleaned_data if form.is_bound else {})


@login_required
@permission_required("audit.view_auditentry", raise_exception=True)
def entry_list(request: HttpRequest) -> HttpResponse:
    """Audit entries of the user's sites, filtered and paginated (50 a page)."""
    form, entries = _entries(request)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = [(e, change_rows(e)) for e in page.object_list]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "breadcrumbs": [{"name": "Audit trail", "url": ""}],
    }
    return render(request, "audit/entry_list.html", context)


class _Echo:
    """A file-like sink for ``csv.writer`` that hands each line back."""

    def write(self, value: str) -> str:
        return value


@login_required
@permission_required("audit.export_auditentry", raise_exception=True)
def export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered entries as a streamed CSV (formulas in user text neutralised)."""
    _, entries = _entries(request)
    writer = csv.writer(_Echo())
    lines: Iterator[str] = (writer.writerow(row) for row in csv_rows(entries.iterator(2000)))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-trail.csv"'
    return response
