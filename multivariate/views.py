"""Pages of the multivariate app: the list of groups, a group's live T² chart, its table
fragment, its figure as JSON and the CSV export of its points."""

from __future__ import annotations

import csv
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from hierarchy.roles import OPERATOR, can_configure, role_required
from hierarchy.scoping import scope_queryset
from multivariate.figures import t2_figure
from multivariate.models import MultivariateGroup, T2Point
from multivariate.observations import member_samples
from spc.charts.figures import figure_json

RECENT = 200
TABLE_ROWS = 50


def _groups(request: HttpRequest) -> QuerySet[MultivariateGroup]:
    return scope_queryset(
        MultivariateGroup.objects.select_related("hierarchy"), request.user, "hierarchy__path"
    )


@role_required(OPERATOR)
def index(request: HttpRequest) -> HttpResponse:
    """Every group in the user's sites with its members, UCL and signal count."""
    groups = _groups(request).prefetch_related("members__characteristic")
    groups = groups.annotate(
        n_points=Count("points"), n_signals=Count("points", filter=Q(points__signal=True))
    )
    return render(request, "multivariate/index.html", {"groups": groups})


def _recent(group: MultivariateGroup) -> list[T2Point]:
    return list(reversed(group.points.order_by("-timestamp", "-id")[:RECENT]))


def _incomplete(group: MultivariateGroup, points: list[T2Point]) -> int:
    """Incomplete observations (a member's sample missing) since the oldest point shown."""
    ids = [m.characteristic_id for m in group.members.all()]
    if len(ids) < 2:
        return 0
    since = {"timestamp__gte": points[0].timestamp} if points else {}
    return len(member_samples(ids, **since).incomplete)


@role_required(OPERATOR)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The group page: live T² chart, limits, latest signal, recent points with contributors."""
    group = get_object_or_404(_groups(request), pk=pk)
    points = _recent(group)
    signal = next((p for p in reversed(points) if p.signal), None)
    context: dict[str, Any] = {
        "group": group,
        "members": group.member_list(),
        "points": list(reversed(points))[:TABLE_ROWS],
        "n_points": len(points),
        "signal": signal,
        "incomplete": _incomplete(group, points),
        "figure_json": figure_json(t2_figure(group, points)),
        "figure_id": f"t2-figure-{group.pk}",
        "can_configure": can_configure(request.user),
        "live_url": "/ws/multivariate/",
        "live_params": f"group={group.pk}",
        "last_sample_id": max((p.pk for p in points), default=0),
    }
    return render(request, "multivariate/group.html", context)


@role_required(OPERATOR)
def figure(request: HttpRequest, pk: int) -> HttpResponse:
    """The T² figure as JSON (re-fetched after limits were calculated)."""
    group = get_object_or_404(_groups(request), pk=pk)
    return HttpResponse(figure_json(t2_figure(group, _recent(group))), "application/json")


@role_required(OPERATOR)
def table(request: HttpRequest, pk: int) -> HttpResponse:
    """The recent points table alone (re-fetched after a reload or reconnect)."""
    group = get_object_or_404(_groups(request), pk=pk)
    points = list(group.points.order_by("-timestamp", "-id")[:TABLE_ROWS])
    return render(
        request, "multivariate/partials/points_table.html", {"group": group, "points": points}
    )


@role_required(OPERATOR)
def export_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """Every stored T² point of the group, oldest first, one column per member's value and
    conditional contribution."""
    group = get_object_or_404(_groups(request), pk=pk)
    names = [c.name for c in group.member_list()]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="t2-group-{group.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["timestamp", "t_squared", "ucl", "phase", "in_baseline", "signal", "top_contributors"]
        + [f"value {n}" for n in names]
        + [f"contribution {n}" for n in names]
    )
    for p in group.points.order_by("timestamp", "id").iterator():
        by_name = {c["name"]: c for c in p.contributions}
        writer.writerow(
            [p.timestamp.isoformat(), repr(p.t2), repr(p.ucl), p.phase, p.in_baseline, p.signal]
            + ["; ".join(p.top_contributors)]
            + [repr(by_name[n]["value"]) if n in by_name else "" for n in names]
            + [repr(by_name[n]["conditional"]) if n in by_name else "" for n in names]
        )
    return response


def group_url(group: MultivariateGroup) -> str:
    """The group page's address."""
    return reverse("multivariate:group", args=[group.pk])
