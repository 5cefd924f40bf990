"""The plant tree (home page) and breadcrumbs: plant → line → characteristic."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from hierarchy.models import Node
from hierarchy.roles import OPERATOR, can_configure, role_required
from spc.views import HtmxHttpRequest
from spc.views.tree import administrators, plant_tree


def node_crumbs(node: Node, *, link_last: bool = True) -> list[dict[str, Any]]:
    """Breadcrumb entries (name, url, path) from the root down to ``node``.

    ``spc/partials/breadcrumbs.html`` links an entry only when the user may see its path
    (an operator granted one site gets the enterprise's name, not a link to a 404).
    """
    crumbs = [
        {"name": n.name, "url": reverse("spc:node", args=[n.pk]), "path": n.path}
        for n in node.breadcrumbs()
    ]
    if not link_last:
        crumbs[-1]["url"] = ""
    return crumbs


@role_required(OPERATOR)
def index(request: HtmxHttpRequest) -> HttpResponse:
    """The plant tree: the user's part of the plant, each node with its rolled-up status
    and a link to its dashboard, each characteristic with a link to its chart. An htmx
    request gets only the statuses, swapped out of band (the page re-reads them on a live
    event)."""
    tree = plant_tree(request.user)
    if request.htmx and not request.htmx.boosted:
        return render(request, "spc/home.html#statuses", {"statuses": tree.statuses})
    roots = [branch.item.node.pk for branch in tree.roots]
    context = {
        "tree": tree,
        "admins": [] if tree.assigned else administrators(),
        "can_configure": can_configure(request.user) and request.user.is_staff,
        # Roots beyond eight (a user granted many separate lines) re-read on the minute.
        "live_params": "&".join(f"tree={pk}" for pk in roots[:8]),
    }
    return render(request, "spc/home.html", context)
