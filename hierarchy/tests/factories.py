"""Factories for plant nodes."""

from __future__ import annotations

from typing import Any

import factory

from hierarchy.models import LEVEL_ORDER, Level, Node, child_level


class NodeFactory(factory.django.DjangoModelFactory[Node]):
    """An enterprise by default; pass ``parent`` to get the right child level."""

    class Meta:
        model = Node

    name = factory.Sequence(lambda i: f"Node {i}")
    code = factory.Sequence(lambda i: f"node-{i}")
    parent = None
    level = factory.LazyAttribute(
        lambda o: child_level(o.parent.level) if o.parent else Level.ENTERPRISE
    )


def build_plant(**kwargs: Any) -> dict[str, Node]:
    """One node of every level, each the child of the previous one."""
    nodes: dict[str, Node] = {}
    parent = None
    for level in LEVEL_ORDER:
        parent = NodeFactory(parent=parent, name=f"{level.title()} 1", **kwargs)
        nodes[level.lower()] = parent
    return nodes
