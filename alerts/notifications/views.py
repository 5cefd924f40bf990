"""The delivery log page: every notification message, its tries and where it stands."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from alerts.models import Delivery
from hierarchy.roles import ENGINEER, role_required
from hierarchy.scoping import scope_queryset

PAGE_SIZE = 50
PATH = "violation__characteristic__hierarchy__path"


@role_required(ENGINEER)
def delivery_log(request: HttpRequest) -> HttpResponse:
    """Deliveries in the user's sites, newest first, filtered by status and channel."""
    qs = scope_queryset(Delivery.objects.all(), request.user, PATH)
    status = request.GET.get("status", "")
    channel = request.GET.get("channel", "")
    if status in Delivery.Status.values:
        qs = qs.filter(status=status)
    if channel in Delivery.Channel.values:
        qs = qs.filter(channel=channel)
    qs = (
        qs.select_related("rule", "violation__characteristic")
        .prefetch_related("attempt_log")
        .order_by("-created_at", "-id")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "alerts/deliveries.html",
        {
            "page": page,
            "status": status,
            "channel": channel,
            "statuses": Delivery.Status.choices,
            "channels": Delivery.Channel.choices,
            "query": query.urlencode(),
            "breadcrumbs": [
                {"name": "Violations", "url": "/violations/"},
                {"name": "Notification deliveries", "url": ""},
            ],
        },
    )
