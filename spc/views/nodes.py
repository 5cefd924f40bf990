"""The plant tree (home page) and breadcrumbs: plant → line → characteristic."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from hierarchy.models import Node
from hierarchy.roles import OPERATOR, role_required
from hierarchy.scoping import scope_queryset


def node_crumbs(node: Node, *, link_last: bool = True) -> list[dict[str, Any]]:
    """Breadcrumb entries (name, url) from the root down to ``node``."""
    crumbs = [{"name": n.name, "url": reverse("spc:node", args=[n.pk])} for n in node.breadcrumbs()]
    if not link_last:
        crumbs[-1]["url"] = ""
    return crumbs


@role_required(OPERATOR)
def index(request: HttpRequest) -> HttpResponse:
    """The plant tree: every node with links to its dashboard and characteristics."""
    nodes = (
        scope_queryset(Node.objects.all(), request.user)
        .annotate(n_chars=Count("characteristics", filter=Q(characteristics__active=True)))
        .prefetch_related("characteristics")
    )
    area_id = request.session.get("area_id")
    return render(request, "spc/home.html", {"nodes": nodes, "area_id": area_id})
