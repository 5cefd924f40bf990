"""The plant tree's order: each node right after its parent, siblings by name (naturally:
"Line 2" before "Line 10"), whatever the ids, in the database and in Python alike."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from hypothesis import given
from hypothesis import strategies as st

from hierarchy.models import Level, Node
from hierarchy.tests.factories import NodeFactory
from hierarchy.tree import Branch, child_key, name_bytes, nest, sort_segment


def _node(pk: int, name: str, parent: Node | None = None) -> Node:
    """A node with a chosen id (paths like /1/8/9/ and /1/8/12/)."""
    level = Level.ENTERPRISE if parent is None else None
    node = NodeFactory.build(pk=pk, name=name, code=f"n{pk}", parent=parent)
    if level is not None:
        node.level = level
    node.save()
    return node


def test_a_run_of_digits_sorts_by_its_number() -> None:
    names = ["Line 10", "Line 2", "line 1", "Line 2b", "Line", "Line A", "Line 002"]
    ordered = sorted(names, key=name_bytes)
    assert ordered[:2] == ["Line", "line 1"]
    assert ordered.index("Line 2") < ordered.index("Line 2b") < ordered.index("Line 10")
    assert ordered[-1] == "Line A"  # numbers before letters


def test_names_compare_case_folded_and_ties_go_by_id() -> None:
    assert sort_segment("press-4", 7) < sort_segment("PRESS-7", 3)
    assert sort_segment("Cell", 3) < sort_segment("cell", 12)
    assert sort_segment("Cell", 3) < sort_segment("Cell A", 1)  # a name before its longer kin


def test_keys_are_hex_so_any_collation_sorts_them_alike() -> None:
    key = child_key(sort_segment("Plant ß 1", 1), "Ünïcode 9 ½", 2)
    assert set(key) <= set("0123456789abcdef")


def test_nest_puts_each_item_under_its_parent_and_orphans_at_the_root() -> None:
    rows = [(3, None), (4, 3), (9, 4), (5, 3), (20, 99)]
    roots = nest(rows, key=lambda r: r[0], parent=lambda r: r[1])

    def shape(b: Branch[tuple[int, int | None]]) -> tuple[int, list[object]]:
        return (b.item[0], [shape(c) for c in b.children])

    assert [shape(r) for r in roots] == [(3, [(4, [(9, [])]), (5, [])]), (20, [])]


names = st.text(alphabet="ab12 ", min_size=1, max_size=6)


@given(st.lists(st.tuples(st.integers(0, 20), names), min_size=1, max_size=25))
def test_sorted_keys_list_the_tree_depth_first_with_siblings_by_name(
    spec: list[tuple[int, str]],
) -> None:
    # Node i (id i + 1) hangs under an earlier node (or is a root): a random forest.
    parents = [None if i == 0 else spec[i][0] % i for i in range(len(spec))]
    keys: list[str] = []
    for i, (_, name) in enumerate(spec):
        above = parents[i]
        keys.append(child_key(keys[above] if above is not None else "", name, i + 1))

    def walk(parent: int | None) -> list[int]:
        kids = [i for i, p in enumerate(parents) if p == parent]
        kids.sort(key=lambda i: (name_bytes(spec[i][1]), i))
        return [n for i in kids for n in (i, *walk(i))]

    assert sorted(range(len(spec)), key=lambda i: keys[i]) == walk(None)


@pytest.mark.django_db
def test_siblings_sort_by_name_not_by_the_ids_in_their_paths() -> None:
    root = _node(1, "Acme")
    site = _node(8, "Plant", root)
    _node(12, "Area 10", site)
    _node(9, "Area 2", site)
    assert [n.path for n in Node.objects.all()] == ["/1/", "/1/8/", "/1/8/9/", "/1/8/12/"]
    # What the path order said: /1/8/12/ before /1/8/9/.
    assert [n.pk for n in Node.objects.order_by("path")] == [1, 8, 12, 9]


@pytest.mark.django_db
def test_every_node_follows_its_parent_whatever_order_it_was_made_in() -> None:
    acme = NodeFactory(name="Acme")
    detroit = NodeFactory(name="Detroit Plant", parent=acme)
    monterrey = NodeFactory(name="Monterrey Plant", parent=acme)
    paint = NodeFactory(name="Paint Shop", parent=monterrey)
    machining = NodeFactory(name="Machining", parent=detroit)
    molding = NodeFactory(name="Injection Molding", parent=monterrey)
    press7 = NodeFactory(name="PRESS-7", parent=molding)
    paint1 = NodeFactory(name="PAINT-1", parent=paint)
    cnc1 = NodeFactory(name="CNC-1", parent=machining)
    press4 = NodeFactory(name="PRESS-4", parent=molding)
    expected = [acme, detroit, machining, cnc1, monterrey, molding, press4, press7, paint, paint1]
    assert list(Node.objects.all()) == expected
    assert list(Node.objects.in_tree_order()) == expected
    assert list(Node.objects.filter(level=Level.LINE)) == [cnc1, press4, press7, paint1]


@pytest.mark.django_db
def test_a_rename_or_a_move_reorders_the_whole_branch() -> None:
    acme = NodeFactory(name="Acme")
    site_b = NodeFactory(name="B site", parent=acme)
    site_c = NodeFactory(name="C site", parent=acme)
    area = NodeFactory(name="Area", parent=site_c)
    line = NodeFactory(name="Line", parent=area)
    site_c.name = "A site"
    site_c.save(update_fields=["name"])
    assert list(Node.objects.all()) == [acme, site_c, area, line, site_b]
    area.parent = site_b
    area.save()
    line.refresh_from_db()
    assert line.path == f"{acme.path}{site_b.pk}/{area.pk}/{line.pk}/"
    assert list(Node.objects.all()) == [acme, site_c, site_b, area, line]


@pytest.mark.django_db
def test_the_migration_fills_the_keys_save_would_give() -> None:
    acme = NodeFactory(name="Acme")
    for name in ("Site 10", "Site 9"):
        area = NodeFactory(name="Area", parent=NodeFactory(name=name, parent=acme))
        NodeFactory(name="Line", parent=area)
    saved = dict(Node.objects.values_list("pk", "tree_key"))
    Node.objects.update(tree_key="")
    migration = importlib.import_module("hierarchy.migrations.0004_node_tree_key")
    migration.fill_tree_keys(apps, None)
    assert dict(Node.objects.values_list("pk", "tree_key")) == saved
