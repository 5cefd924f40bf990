"""The tablet entry grid: an operator's randomised run order, each reading stored once."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from hierarchy.roles import OPERATOR, role_required
from msa.analysis import progress
from msa.forms import parse_reading
from msa.models import GaugeStudy, StudyKind, StudyMeasurement
from msa.views.pages import visible_studies


def _operator(request: HttpRequest, study: GaugeStudy) -> str:
    """The operator whose grid to show: ?operator=, else the user if listed, else the first."""
    names = study.operators or [request.user.get_username()]
    chosen = request.GET.get("operator") or request.POST.get("operator")
    if chosen in names:
        return str(chosen)
    username = request.user.get_username()
    return username if username in names else names[0]


def _cells(study: GaugeStudy, operator: str) -> list[dict[str, Any]]:
    stored = {
        (m.part, m.trial): m
        for m in study.measurements.filter(operator=operator).select_related("entered_by")
    }
    return [
        {"n": n, "part": part, "trial": trial, "name": f"r-{part}-{trial}",
         "row": stored.get((part, trial))}
        for n, (part, trial) in enumerate(study.run_order(operator), start=1)
    ]  # fmt: skip


def _save(
    request: HttpRequest, study: GaugeStudy, operator: str, cells: list[dict[str, Any]]
) -> dict[str, str]:
    errors: dict[str, str] = {}
    attribute = study.kind == StudyKind.ATTRIBUTE
    saved = 0
    for cell in cells:
        text = request.POST.get(cell["name"], "").strip()
        if not text:
            continue
        if cell["row"] is not None:
            errors[cell["name"]] = "Already recorded; it is kept as first entered."
            continue
        fields: dict[str, Any] = {"rating": text} if attribute else {}
        if not attribute:
            try:
                fields["value"] = parse_reading(text)
            except ValueError:
                errors[cell["name"]] = f"“{text}” is not a number."
                continue
        try:
            with transaction.atomic():
                StudyMeasurement.objects.create(
                    study=study, part=cell["part"], trial=cell["trial"], operator=operator,
                    entered_by_id=request.user.pk, **fields,
                )  # fmt: skip
        except IntegrityError:
            errors[cell["name"]] = "Someone recorded this reading a moment ago."
            continue
        saved += 1
    if saved:
        messages.success(request, f"{saved} reading{'s' if saved != 1 else ''} saved.")
    return errors


@role_required(OPERATOR)
def entry(request: HttpRequest, pk: int) -> HttpResponse:
    """Show (GET) or save (POST) the operator's readings in run order."""
    study = get_object_or_404(visible_studies(request), pk=pk)
    operator = _operator(request, study)
    cells = _cells(study, operator)
    errors: dict[str, str] = {}
    if request.method == "POST":
        errors = _save(request, study, operator, cells)
        if not errors:
            return redirect(f"{reverse('msa:entry', args=[study.pk])}?operator={operator}")
        cells = _cells(study, operator)
    for cell in cells:
        cell["error"] = errors.get(cell["name"], "")
        cell["typed"] = request.POST.get(cell["name"], "") if errors else ""
    done, expected = progress(study)
    context = {
        "study": study,
        "operator": operator,
        "cells": cells,
        "remaining": sum(c["row"] is None for c in cells),
        "done": done,
        "expected": expected,
        "attribute": study.kind == StudyKind.ATTRIBUTE,
    }
    return render(request, "msa/entry.html", context, status=400 if errors else 200)
