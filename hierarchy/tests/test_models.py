"""The ISA-95 tree: parent/child rules, database constraints, subtree queries."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from hierarchy.models import Level, Node
from hierarchy.tests.factories import NodeFactory

pytestmark = pytest.mark.django_db


def test_a_line_sits_under_an_area(plant: dict[str, Node]) -> None:
    line = NodeFactory(parent=plant["area"])
    assert line.level == Level.LINE
    assert line.path == f"{plant['area'].path}{line.pk}/"


def test_a_line_directly_under_a_site_is_refused(plant: dict[str, Node]) -> None:
    with pytest.raises(ValidationError) as excinfo:
        Node(name="Bad", code="bad", level=Level.LINE, parent=plant["site"]).save()
    assert "level" in excinfo.value.message_dict


def test_equipment_cannot_have_children(plant: dict[str, Node]) -> None:
    with pytest.raises(ValidationError):
        Node(name="Sub", code="sub", level=Level.EQUIPMENT, parent=plant["equipment"]).save()


def test_a_root_that_is_not_an_enterprise_is_refused() -> None:
    with pytest.raises(ValidationError):
        Node(name="Loose site", code="loose", level=Level.SITE).save()


def test_the_database_refuses_a_root_that_is_not_an_enterprise() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Node.objects.bulk_create([Node(name="Loose", code="loose", level=Level.SITE)])


def test_the_database_refuses_an_unknown_level() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Node.objects.bulk_create([Node(name="X", code="x", level="GALAXY")])


def test_sibling_codes_are_unique_in_the_database(plant: dict[str, Node]) -> None:
    NodeFactory(parent=plant["area"], code="line-a")
    with pytest.raises(IntegrityError), transaction.atomic():
        Node.objects.bulk_create(
            [Node(name="Twin", code="line-a", level=Level.LINE, parent=plant["area"])]
        )


def test_subtree_holds_the_node_and_its_descendants_only(plant: dict[str, Node]) -> None:
    other_area = NodeFactory(parent=plant["site"])
    other_line = NodeFactory(parent=other_area)
    subtree = set(Node.objects.subtree(plant["area"]))
    assert subtree == {plant["area"], plant["line"], plant["cell"], plant["equipment"]}
    assert other_line not in subtree


def test_ancestors_come_root_first(plant: dict[str, Node]) -> None:
    ancestors = list(Node.objects.ancestors(plant["cell"]))
    assert ancestors == [plant["enterprise"], plant["site"], plant["area"], plant["line"]]


def test_moving_a_node_rewrites_its_descendants_paths(plant: dict[str, Node]) -> None:
    new_area = NodeFactory(parent=plant["site"])
    line = plant["line"]
    line.parent = new_area
    line.save()
    plant["equipment"].refresh_from_db()
    assert plant["equipment"].path.startswith(new_area.path)
    assert plant["equipment"] in Node.objects.subtree(new_area)


def test_a_node_cannot_move_under_its_own_descendant(plant: dict[str, Node]) -> None:
    area = plant["area"]
    area.parent = plant["equipment"]
    with pytest.raises(ValidationError):
        area.save()
