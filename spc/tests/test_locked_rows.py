"""The pipeline reuses characteristic instances only while their rows are unchanged.

Characteristics are individuals charts with CL 10, UCL 13, LCL 7: a value of 12 is inside
the limits (no rule 1) until the UCL is lowered to 11.5, then it is beyond them.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from hierarchy.models import Node
from spc.models import Characteristic
from spc.pipeline.processing import SubgroupInput, locked_rows, process, process_many
from spc.pipeline.windows import windows
from spc.tests.factories import CharacteristicFactory


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    windows.clear()
    locked_rows.clear()


def make_char() -> Characteristic:
    return CharacteristicFactory.create(center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)


def rules_of(char: Characteristic, value: float) -> list[int]:
    result = process(SubgroupInput(characteristic_id=char.pk, measurements=(value,)))
    return sorted(v.rule for v in result.violations)


@pytest.mark.django_db(transaction=True)
def test_unchanged_rows_are_built_once_per_process() -> None:
    chars = [make_char() for _ in range(3)]
    items = [SubgroupInput(characteristic_id=c.pk, measurements=(10.0,)) for c in chars]
    before = locked_rows.builds
    process_many(items)
    process_many(items)
    process_many(items)
    built = locked_rows.builds - before
    assert built == 3


@pytest.mark.django_db(transaction=True)
def test_a_row_changed_by_another_transaction_is_rebuilt() -> None:
    char = make_char()
    assert rules_of(char, 12.0) == []
    Characteristic.objects.filter(pk=char.pk).update(ucl=11.5)  # no save(), no signal
    assert 1 in rules_of(char, 12.0)
    Characteristic.objects.filter(pk=char.pk).update(ucl=13.0)
    assert rules_of(char, 12.0) == []


@pytest.mark.django_db(transaction=True)
def test_changes_inside_an_enclosing_transaction_are_seen() -> None:
    """PostgreSQL: one transaction's row versions all carry its own xid, so there is no
    reuse inside it. SQLite: the row's columns are its version, changed or not here."""
    char = make_char()
    assert rules_of(char, 12.0) == []
    with transaction.atomic():
        Characteristic.objects.filter(pk=char.pk).update(ucl=11.5)
        assert 1 in rules_of(char, 12.0)
        Characteristic.objects.filter(pk=char.pk).update(ucl=13.0)
        assert rules_of(char, 12.0) == []
        Characteristic.objects.filter(pk=char.pk).update(ucl=11.5)
        assert 1 in rules_of(char, 12.0)


@pytest.mark.django_db(transaction=True)
def test_a_moved_characteristic_is_published_under_its_new_branch() -> None:
    char = make_char()
    process(SubgroupInput(characteristic_id=char.pk, measurements=(10.0,)))
    line = Node.objects.get(pk=char.hierarchy_id)
    area = line.parent
    assert area is not None
    assert area.parent is not None
    other_area = Node.objects.create(
        name="Other area", code="other", level=area.level, parent=area.parent
    )
    line.parent = other_area
    line.save()  # rewrites the node paths; the characteristic's row is untouched
    line.refresh_from_db()
    assert line.path.startswith(other_area.path)
    with transaction.atomic():
        (reused,) = locked_rows.lock([char.pk], reuse=True).values()
    assert reused.node_path == line.path
