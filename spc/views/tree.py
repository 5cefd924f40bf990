"""The plant tree of the home page: the user's part of the plant in tree order (each node
under its parent, siblings by name), its active characteristics under their nodes, and
each node's status rolled up from below (``spc.views.status``).

Five queries whatever the plant's size: nodes, characteristics, open violation counts,
sampling schedule, and the administrators to name when the user sees nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from hierarchy.models import Level, Node
from hierarchy.roles import ADMIN
from hierarchy.scoping import granted_paths, scope_queryset, visible_nodes
from hierarchy.tree import Branch, nest, sort_segment
from spc.choices import CHART_TYPE_CHOICES
from spc.models import Characteristic
from spc.views.status import CRITICAL, WARNING, Status, characteristic_statuses, roll_up

#: Up to this many characteristics the whole tree starts open; a larger plant opens the
#: levels above its lines, and any line (or cell, equipment) with open violations.
OPEN_ALL_UP_TO = 60
OPEN_LEVELS = (Level.ENTERPRISE, Level.SITE, Level.AREA)


@dataclass
class Entry:
    """One node of the tree page with its characteristics and its rolled-up status."""

    node: Node
    status: Status
    chars: list[dict[str, Any]] = field(default_factory=list)
    open: bool = True


@dataclass
class PlantTree:
    """What the home page shows."""

    roots: list[Branch[Entry]]
    statuses: list[Status]
    characteristics: int
    assigned: bool
    """False when the user has no grant at all (not even an empty plant to see)."""


def _char_rows(user: Any) -> list[dict[str, Any]]:
    chars = scope_queryset(Characteristic.objects.active(), user).values(
        "id", "name", "chart_type", "hierarchy_id", "sampling_interval_minutes", "created_at"
    )
    rows: list[dict[str, Any]] = [dict(r) for r in chars]
    return sorted(rows, key=lambda r: sort_segment(r["name"], r["id"]))


def plant_tree(user: Any) -> PlantTree:
    """The tree of the nodes ``user`` may see, with statuses, in tree order."""
    nodes = list(
        visible_nodes(user).order_by("tree_key").only("pk", "name", "level", "parent", "path")
    )
    rows = _char_rows(user)
    char_status = characteristic_statuses(rows)
    rolled = roll_up(
        {n.pk: n.path for n in nodes}, ((r["hierarchy_id"], char_status[r["id"]]) for r in rows)
    )
    entries = {n.pk: Entry(n, rolled[n.pk]) for n in nodes}
    labels = dict(CHART_TYPE_CHOICES)
    for row in rows:
        entry = entries.get(row["hierarchy_id"])
        if entry is not None:
            chart = labels.get(row["chart_type"], row["chart_type"])
            entry.chars.append({**row, "chart": chart, "status": char_status[row["id"]]})
    small = len(rows) <= OPEN_ALL_UP_TO
    for entry in entries.values():
        worrying = entry.status.state in (WARNING, CRITICAL)
        entry.open = small or entry.node.level in OPEN_LEVELS or worrying
    roots = nest(entries.values(), key=lambda e: e.node.pk, parent=lambda e: e.node.parent_id)
    shown = [e.status for e in entries.values()] + list(char_status.values())
    return PlantTree(roots, shown, len(rows), granted_paths(user) != [])


def administrators(limit: int = 3) -> list[str]:
    """Names of up to ``limit`` active administrators: whom to ask for a grant."""
    users = get_user_model().objects.filter(is_active=True)
    admins = users.filter(Q(is_superuser=True) | Q(groups__name=ADMIN)).distinct()
    return [u.get_full_name() or u.get_username() for u in admins.order_by("username")[:limit]]


def flatten(branches: Iterable[Branch[Entry]]) -> list[Entry]:
    """Every entry of ``branches`` in tree order (for tests and checks)."""
    out: list[Entry] = []
    for branch in branches:
        out.append(branch.item)
        out.extend(flatten(branch.children))
    return out
