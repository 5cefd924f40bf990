"""Pages that annotate a chart and correct a sample (issue 23).

Annotate: any role, from the chart page's form or a point's dialog. Correct: Engineers and
QA Managers, signed with a reason (``spc.pipeline.corrections``). Success returns to the
chart; bad input shows the form again with the message on its field (status 400).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from audit.signatures import ChangeRefused
from hierarchy.roles import ENGINEER, OPERATOR, role_required
from hierarchy.scoping import scope_queryset
from spc.core.errors import InputError
from spc.core.types import ChartType
from spc.models import Characteristic, Sample
from spc.pipeline.annotations import add_annotation
from spc.pipeline.corrections import correct_sample
from spc.quality_forms import AnnotationForm, CorrectionForm
from spc.quality_records import SampleCorrection


def _error(form: AnnotationForm | CorrectionForm, exc: InputError | ChangeRefused) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@role_required(OPERATOR)
def annotate(request: HttpRequest, pk: int) -> HttpResponse:
    """Annotate a point or a time range of the chart."""
    chars = scope_queryset(Characteristic.objects.select_related("hierarchy"), request.user)
    char = get_object_or_404(chars, pk=pk)
    initial = {"sample": request.GET.get("sample")}
    form = AnnotationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sample = None
        if data.get("sample"):
            sample = Sample.objects.filter(pk=data["sample"], characteristic=char).first()
        try:
            if data.get("sample") and sample is None:
                raise InputError("sample", "No such sample on this chart.")
            add_annotation(
                char,
                user=request.user,
                text=data["text"],
                kind=data["kind"],
                sample=sample,
                start=data.get("start"),
                end=data.get("end"),
            )
        except InputError as exc:
            _error(form, exc)
        else:
            messages.success(request, "Annotation added.")
            return redirect("spc:characteristic", pk=char.pk)
    status = 400 if form.errors else 200
    return render(request, "spc/annotate.html", {"char": char, "form": form}, status=status)


@role_required(ENGINEER)
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a sample's measurements or count, signed with a reason."""
    samples = Sample.objects.select_related("characteristic").prefetch_related("measurements")
    sample = get_object_or_404(scope_queryset(samples, request.user), pk=pk)
    char = sample.characteristic
    attribute = ChartType(char.chart_type).is_attribute
    values = " ".join(f"{m.value:g}" for m in sample.measurements.all())
    initial = {"measurements": values, "count": sample.count, "sample_size": sample.sample_size}
    form = CorrectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            correct_sample(
                sample,
                user=request.user,
                password=data.get("signature_password"),
                reason=data.get("reason"),
                measurements=None if attribute else data.get("measurements"),
                count=data.get("count") if attribute else None,
                sample_size=data.get("sample_size") if attribute else None,
            )
        except (InputError, ChangeRefused) as exc:
            _error(form, exc)
        else:
            messages.success(request, f"Sample #{sample.pk} corrected; the chart is re-judged.")
            return redirect("spc:characteristic", pk=char.pk)
    context = {
        "sample": sample,
        "char": char,
        "form": form,
        "attribute": attribute,
        "history": SampleCorrection.objects.filter(sample=sample).select_related("corrected_by"),
    }
    return render(request, "spc/correct.html", context, status=400 if form.errors else 200)
