"""The import pages under ``/imports/`` (engineers): upload, map and preview, progress."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from hierarchy.roles import ENGINEER, role_required
from hierarchy.scoping import granted_paths, scope_queryset
from ingest.imports import services
from ingest.imports.forms import MappingForm, UploadForm
from ingest.imports.mapping import guess
from ingest.imports.models import Import, ImportState
from ingest.imports.runner import Scan
from ingest.imports.subgroups import Parsed
from spc.core.errors import InputError
from spc.models import Characteristic


def visible_imports(request: HttpRequest) -> Any:
    """The user's imports (whole-plant users: every one)."""
    qs = Import.objects.select_related("created_by")
    if granted_paths(request.user) is None:
        return qs
    return qs.filter(created_by=request.user.pk)


@role_required(ENGINEER)
def index(request: HttpRequest) -> HttpResponse:
    """Upload a file; the recent imports."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            record = services.upload(uploaded, uploaded.name, request.user)
        except InputError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("imports:detail", pk=record.pk)
    context = {"form": form, "imports": visible_imports(request)[:30]}
    return render(request, "ingest/imports/index.html", context)


def _characteristics(request: HttpRequest) -> list[tuple[int, str]]:
    qs = Characteristic.objects.select_related("hierarchy").order_by("hierarchy__path", "name")
    return [
        (c.pk, f"{c.name} (#{c.pk}, {c.hierarchy.name})") for c in scope_queryset(qs, request.user)
    ]


@role_required(ENGINEER)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Map the columns, preview the first rows and every problem; start the import."""
    record = get_object_or_404(visible_imports(request), pk=pk)
    if record.state != ImportState.PREVIEW:
        return render(request, "ingest/imports/progress.html", {"record": record})
    saved = record.mapping or {}
    try:
        header = services.header_of(record, saved.get("delimiter", ""), saved.get("sheet", ""))
    except InputError as exc:
        messages.error(request, exc.message)
        services.discard(record)
        return redirect("imports:index")
    initial = saved or guess(header)
    form = MappingForm(
        request.POST or None,
        initial=initial,
        header=header,
        characteristics=_characteristics(request),
    )
    found: Scan | None = None
    if request.method == "POST" and form.is_valid():
        try:
            found = services.rescan(record, form.mapping_data(), request.user)
            if request.POST.get("action") == "import":
                services.start(record)
                return redirect("imports:detail", pk=record.pk)
        except InputError as exc:
            form.refuse(exc)
    elif request.method == "GET" and saved:
        try:
            found = services.rescan(record, saved, request.user)
        except InputError as exc:
            form.refuse(exc)
    context = {
        "record": record,
        "form": form,
        "header": header,
        "found": found,
        "rows": _preview_rows(found),
    }
    return render(request, "ingest/imports/detail.html", context)


def _preview_rows(found: Scan | None) -> list[dict[str, Any]]:
    if found is None:
        return []
    ids = {item.characteristic_id for item in found.preview if isinstance(item, Parsed)}
    names = dict(Characteristic.objects.filter(pk__in=ids).values_list("pk", "name"))
    rows: list[dict[str, Any]] = []
    for item in found.preview:
        if isinstance(item, Parsed):
            name = names.get(item.characteristic_id, "")
            rows.append({"parsed": item, "row": item.row, "name": name})
        else:
            rows.append({"problem": item, "row": item.row})
    return rows


@role_required(ENGINEER)
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment (htmx polls it until the job is finished)."""
    record = get_object_or_404(visible_imports(request), pk=pk)
    return render(request, "ingest/imports/partials/progress.html", {"record": record})
