"""The dashboard of a hierarchy node: one live card per characteristic below it.

Cards for a thousand characteristics are built from a handful of queries: the
characteristics with their newest sample (correlated subqueries on the (characteristic,
id) index), the open-violation counts (one grouped query), the sampling schedule of the
scheduled ones (``spc.jobs.overdue.statuses``: one grouped query) and the sparkline values, read
in chunks of characteristics whose last-N cut-off ids are close together.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from alerts.services import card_state, open_counts
from hierarchy.models import LEVEL_ORDER, Level, Node
from hierarchy.roles import OPERATOR, role_required
from hierarchy.scoping import scope_queryset
from hierarchy.tree import sort_segment
from spc.charts.style import observed
from spc.live import fragments
from spc.live.sampling import needs_badge, sampling_badge
from spc.models import Characteristic, Sample
from spc.views.nodes import node_crumbs
from spc.views.status import schedules

SPARK_POINTS = 30
CHUNK = 50


def _newest(field: str) -> Subquery:
    return Subquery(
        Sample.objects.filter(characteristic=OuterRef("pk")).order_by("-id").values(field)[:1]
    )


def _spark_values(rows: list[dict[str, Any]]) -> dict[int, list[float | None]]:
    """The last ``SPARK_POINTS`` measurements of each characteristic, oldest first (the
    subgroup mean, count or proportion: ``spc.charts.style.observed``)."""
    chart_types = {r["id"]: r["chart_type"] for r in rows}
    with_cut = sorted(
        (r for r in rows if r["spark_from"] is not None), key=lambda r: r["spark_from"]
    )
    with_cut += [r for r in rows if r["spark_from"] is None and r["last_id"] is not None]
    values: dict[int, list[float | None]] = defaultdict(list)
    for i in range(0, len(with_cut), CHUNK):
        chunk = with_cut[i : i + CHUNK]
        cut = {r["id"]: r["spark_from"] or 0 for r in chunk}
        query = Sample.objects.filter(
            characteristic_id__in=list(cut), id__gte=min(cut.values())
        ).order_by("id")
        for char_id, sample_id, mean, count, size in query.values_list(
            "characteristic_id", "id", "mean", "count", "sample_size"
        ):
            if sample_id >= cut[char_id]:
                values[char_id].append(observed(chart_types[char_id], mean, count, size))
    return values


def _last_samples(ids: list[int]) -> dict[int, dict[str, Any]]:
    """The newest samples of the cards by id, with what labelling their reading needs."""
    out: dict[int, dict[str, Any]] = {}
    for i in range(0, len(ids), 1000):
        for row in Sample.objects.filter(id__in=ids[i : i + 1000]).values(
            "id",
            "timestamp",
            "value",
            "z_score",
            "center_line",
            "secondary_value",
            "actual_n",
            "mean",
            "count",
            "sample_size",
        ):
            out[row["id"]] = {**row, "z": row["z_score"], "n": row["actual_n"]}
    return out


def build_cards(chars: Any) -> list[dict[str, Any]]:
    """Card contexts (see ``fragments.card``) with their HTML, for a queryset of
    characteristics. Sparklines are read only for cards not already rendered.

    A due or overdue card is rendered afresh (the shared card cache is keyed by the newest
    sample, not by the clock); every other card comes from the cache as before.
    """
    rows = list(
        chars.annotate(
            last_id=_newest("id"),
            last_at=_newest("timestamp"),
            spark_from=Subquery(
                Sample.objects.filter(characteristic=OuterRef("pk"))
                .order_by("-id")
                .values("id")[SPARK_POINTS - 1 : SPARK_POINTS]
            ),
        ).values(
            "id",
            "name",
            "unit",
            "decimal_places",
            "chart_type",
            "subgroup_mode",
            "sampling_interval_minutes",
            "created_at",
            "hierarchy_id",
            "last_id",
            "last_at",
            "spark_from",
        )
    )
    counts = open_counts([r["id"] for r in rows])
    now = timezone.now()

    def context_of(row: dict[str, Any], last: dict[str, Any] | None) -> dict[str, Any]:
        state = card_state(counts[row["id"]], row["last_at"], now=now)
        return fragments.card(
            char=row, state=state, counts=counts[row["id"]], last=last, spark=None, now=now
        )

    # A card's HTML is cached by its newest sample (whose reading never changes), so the
    # newest samples and the sparklines are read only for cards not rendered yet.
    cards = [
        context_of(
            row, {"id": row["last_id"], "timestamp": row["last_at"]} if row["last_id"] else None
        )
        for row in rows
    ]
    for row, context in zip(rows, cards, strict=True):
        context["node_id"] = row["hierarchy_id"]
    schedule = schedules(rows)
    for context in cards:
        if needs_badge(schedule.get(context["id"])):
            context["sampling"] = sampling_badge(schedule[context["id"]])
    missing = {c["id"] for c in cards if "sampling" in c or not fragments.card_is_cached(c)}
    fresh = [r for r in rows if r["id"] in missing]
    lasts = _last_samples([r["last_id"] for r in fresh if r["last_id"] is not None])
    sparks = _spark_values(fresh)
    by_id = {r["id"]: r for r in fresh}
    for context in cards:
        if context["id"] in missing:
            row = by_id[context["id"]]
            full = context_of(row, lasts.get(row["last_id"]))
            context.update({k: v for k, v in full.items() if k != "sampling"})
            context.update(fragments.spark_context(sparks.get(context["id"], [])))
        if "sampling" in context:
            html = render_to_string("spc/partials/card.html", {"card": context, "oob": False})
            context["html"] = mark_safe(html)
        else:
            context["html"] = fragments.render_card(context)
    return cards


def line_groups(
    node: Node, below: list[Node], cards: list[dict[str, Any]], *, by_line: bool = True
) -> list[dict[str, Any]]:
    """The cards of a dashboard under a heading per line, in tree order.

    A card belongs to the line at or above its characteristic's node; one attached above
    the lines (to an area, say) to its own node; without ``by_line`` every card to
    ``node``. ``below`` is ``node``'s subtree. Within a group, cards go by their node in
    tree order, then by name. ``trail`` names the nodes between the dashboard's node and
    the line (an area on a site's dashboard).
    """
    by_pk = {n.pk: n for n in below}

    def ids(n: Node) -> list[int]:
        return [int(p) for p in n.path.strip("/").split("/")]

    def group_of(node_id: int) -> Node:
        if not by_line:
            return node
        own = by_pk[node_id]
        lines = [by_pk[i] for i in ids(own) if i in by_pk and by_pk[i].level == Level.LINE]
        return lines[0] if lines else own

    groups: dict[int, dict[str, Any]] = {}
    for card in cards:
        line = group_of(card["node_id"])
        if line.pk not in groups:
            trail = [by_pk[i] for i in ids(line)[:-1] if i in by_pk and i != node.pk]
            groups[line.pk] = {"node": line, "trail": trail, "cards": []}
        groups[line.pk]["cards"].append(card)
    for group in groups.values():
        group["cards"].sort(
            key=lambda c: (by_pk[c["node_id"]].tree_key, sort_segment(c["name"], c["id"]))
        )
    return sorted(groups.values(), key=lambda g: g["node"].tree_key)


@role_required(OPERATOR)
def node_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """Cards of every active characteristic at or below the node, under a heading per line
    on a dashboard above the lines; the node becomes the operator's area (toasts on other
    pages come from it)."""
    node = get_object_or_404(scope_queryset(Node.objects.all(), request.user), pk=pk)
    request.session["area_id"] = node.pk
    below = list(Node.objects.subtree(node).order_by("tree_key"))
    cards = build_cards(Characteristic.objects.active().in_subtree(node))
    last_ids = [c["sample_id"] for c in cards if c["sample_id"] != ""]
    headed = LEVEL_ORDER.index(node.level) < LEVEL_ORDER.index(Level.LINE)
    context = {
        "node": node,
        "children": [n for n in below if n.parent_id == node.pk],
        "groups": line_groups(node, below, cards, by_line=headed),
        "headed": headed,
        "cards": cards,
        "breadcrumbs": node_crumbs(node),
        "area_id": node.pk,
        "live_params": f"node={node.pk}&area={node.pk}",
        "last_sample_id": max(last_ids, default=0),
    }
    return render(request, "spc/dashboard.html", context)
