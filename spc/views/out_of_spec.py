"""Samples stored outside the specification (any measurement or the mean beyond LSL/USL),
newest first, with who confirmed them on manual entry: listed beside the violations."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hierarchy.roles import OPERATOR, role_required
from hierarchy.scoping import scope_queryset
from spc.models import Sample

PAGE_SIZE = 50


@role_required(OPERATOR)
def out_of_spec_list(request: HttpRequest) -> HttpResponse:
    """The out-of-spec samples the user may see, 50 a page."""
    samples = (
        scope_queryset(Sample.objects.filter(out_of_spec=True), request.user)
        .select_related("characteristic", "spec_confirmed_by")
        .prefetch_related("measurements")
        .order_by("-id")
    )
    page = Paginator(samples, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "spc/out_of_spec.html", {"page": page})
