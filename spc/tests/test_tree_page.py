"""The plant tree on the home page: tree order, statuses rolled up from below (critical >
warning > ok, open violations, overdue checks), the statuses fragment it re-reads live,
and a site dashboard grouped by line."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from alerts.tests.factories import ReasonCodeFactory, ViolationFactory
from hierarchy.tests.factories import NodeFactory
from spc.models import Characteristic
from spc.tests.factories import CharacteristicFactory, SampleFactory
from spc.views.status import CRITICAL, OK, WARNING, Status, characteristic_status, roll_up

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_a_node_takes_the_worst_state_and_the_sums_from_below() -> None:
    paths = {1: "/1/", 8: "/1/8/", 9: "/1/8/9/", 12: "/1/8/12/", 20: "/1/20/"}
    chars = [
        (9, characteristic_status(101, {WARNING: 2, CRITICAL: 0}, None)),
        (12, characteristic_status(102, {CRITICAL: 1}, None)),
        (12, characteristic_status(103, {}, None)),
        (20, characteristic_status(104, {}, None)),
    ]
    rolled = roll_up(paths, chars)
    assert (rolled[9].state, rolled[9].open) == (WARNING, 2)
    assert (rolled[12].state, rolled[12].open, rolled[12].characteristics) == (CRITICAL, 1, 2)
    assert (rolled[8].state, rolled[8].open, rolled[8].characteristics) == (CRITICAL, 3, 3)
    assert (rolled[20].state, rolled[20].open) == (OK, 0)
    assert (rolled[1].state, rolled[1].open, rolled[1].characteristics) == (CRITICAL, 3, 4)


def test_nodes_outside_the_shown_tree_are_skipped_and_empty_ones_have_no_state() -> None:
    # A user granted site 8 only: the enterprise (1) is not shown.
    rolled = roll_up({8: "/1/8/", 9: "/1/8/9/", 12: "/1/8/12/"}, [(9, Status("x", OK, 0, 0, 1, 1))])
    assert set(rolled) == {8, 9, 12}
    assert (rolled[8].state, rolled[8].overdue) == (OK, 1)
    assert rolled[12].state == "NONE"
    assert rolled[12].label == "No characteristics"


def test_only_an_overdue_check_counts_as_overdue() -> None:
    from spc.jobs.schedule import SamplingState, SamplingStatus

    due = SamplingStatus(SamplingState.DUE, 10)
    overdue = SamplingStatus(SamplingState.OVERDUE, 10)
    assert characteristic_status(1, {}, due).overdue == 0
    assert characteristic_status(1, {}, overdue).overdue == 1


@pytest.fixture
def demo(db: None) -> dict[str, Any]:
    """The demo plant's shape, made in an order that interleaves the branches."""
    acme = NodeFactory(name="Acme")
    detroit = NodeFactory(name="Detroit Plant", parent=acme)
    monterrey = NodeFactory(name="Monterrey Plant", parent=acme)
    paint = NodeFactory(name="Paint Shop", parent=monterrey)
    machining = NodeFactory(name="Machining", parent=detroit)
    molding = NodeFactory(name="Injection Molding", parent=monterrey)
    press7 = NodeFactory(name="PRESS-7", parent=molding)
    paint1 = NodeFactory(name="PAINT-1", parent=paint)
    cnc10 = NodeFactory(name="CNC-10", parent=machining)
    cnc2 = NodeFactory(name="CNC-2", parent=machining)
    press4 = NodeFactory(name="PRESS-4", parent=molding)
    nodes = [acme, detroit, machining, cnc2, cnc10, monterrey, molding, press4, press7]
    nodes += [paint, paint1]
    chars = {
        "bore": CharacteristicFactory(hierarchy=cnc2, name="Bore"),
        "od": CharacteristicFactory(hierarchy=cnc10, name="Shaft OD"),
        "weight": CharacteristicFactory(hierarchy=press4, name="Part weight"),
        "gloss": CharacteristicFactory(hierarchy=paint1, name="Gloss"),
        "film": CharacteristicFactory(hierarchy=paint1, name="Film", sampling_interval_minutes=10),
    }
    # Never sampled since it was made two hours ago, every ten minutes: overdue.
    Characteristic.objects.filter(pk=chars["film"].pk).update(
        created_at=timezone.now() - timedelta(hours=2)
    )
    ViolationFactory(sample=SampleFactory(characteristic=chars["bore"]), severity=WARNING)
    weight_sample = SampleFactory(characteristic=chars["weight"])
    ViolationFactory(sample=weight_sample, severity=CRITICAL)
    ViolationFactory(sample=weight_sample, severity=WARNING, rule=2)
    acked = ViolationFactory(sample=SampleFactory(characteristic=chars["gloss"]), rule=3)
    acked.acknowledged_at = timezone.now()
    acked.reason_code = ReasonCodeFactory()
    acked.save()
    return {"nodes": nodes, "chars": chars, "sites": (detroit, monterrey)}


def _statuses(html: str) -> dict[str, tuple[str, int, int]]:
    found = re.findall(
        r'id="([\w-]+)" class="node-status" data-state="(\w+)" data-open="(\d+)" '
        r'data-overdue="(\d+)"',
        html,
    )
    return {i: (state, int(n), int(overdue)) for i, state, n, overdue in found}


def test_the_home_tree_lists_each_node_under_its_parent_with_its_status(
    client: Any, operator: Any, demo: dict[str, Any]
) -> None:
    client.force_login(operator)
    html = client.get("/").content.decode()
    order = [int(pk) for pk in re.findall(r'<li class="tree-node" data-node="(\d+)"', html)]
    assert order == [n.pk for n in demo["nodes"]]
    # PRESS-4's <li> sits inside Injection Molding's list, before Paint Shop's.
    press4, molding, paint = demo["nodes"][7], demo["nodes"][6], demo["nodes"][9]
    start = html.index(f'data-node="{molding.pk}"')
    assert start < html.index(f'data-node="{press4.pk}"') < html.index(f'data-node="{paint.pk}"')
    statuses = _statuses(html)
    acme = demo["nodes"][0]
    detroit, monterrey = demo["sites"]
    assert statuses[f"node-status-{acme.pk}"] == (CRITICAL, 3, 1)
    assert statuses[f"node-status-{detroit.pk}"] == (WARNING, 1, 0)
    assert statuses[f"node-status-{monterrey.pk}"] == (CRITICAL, 2, 1)
    assert statuses[f"node-status-{paint.pk}"] == (OK, 0, 1)
    assert statuses[f"tree-char-{demo['chars']['gloss'].pk}"] == (OK, 0, 0)


def test_an_htmx_request_gets_only_the_statuses_out_of_band(
    client: Any, operator: Any, demo: dict[str, Any]
) -> None:
    client.force_login(operator)
    html = client.get("/", **HTMX).content.decode()
    assert "<html" not in html
    assert html.count('hx-swap-oob="true"') == len(demo["nodes"]) + len(demo["chars"])
    assert _statuses(html) == _statuses(client.get("/").content.decode())


def test_the_home_page_listens_to_its_tree_roots_only(
    client: Any, operator: Any, demo: dict[str, Any]
) -> None:
    client.force_login(operator)
    html = client.get("/").content.decode()
    assert f'data-live-params="tree={demo["nodes"][0].pk}"' in html
    assert 'id="tree-pulse"' in html


def test_a_site_dashboard_groups_its_cards_by_line_in_tree_order(
    client: Any, operator: Any, demo: dict[str, Any]
) -> None:
    client.force_login(operator)
    detroit = demo["sites"][0]
    html = client.get(f"/nodes/{detroit.pk}/").content.decode()
    headings = re.findall(r'<h2 id="line-(\d+)" class="line-heading">', html)
    cnc2, cnc10 = demo["nodes"][3], demo["nodes"][4]
    assert headings == [str(cnc2.pk), str(cnc10.pk)]
    section = html[html.index(f'id="line-{cnc2.pk}"') : html.index(f'id="line-{cnc10.pk}"')]
    assert f'id="card-{demo["chars"]["bore"].pk}"' in section
    assert "Machining ›" in section  # the area between the site and the line
    line = client.get(f"/nodes/{cnc2.pk}/").content.decode()
    assert "line-heading" not in line
    assert f'id="card-{demo["chars"]["bore"].pk}"' in line
