"""Factories and data helpers of multivariate groups."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import factory

from multivariate.models import GroupMember, MultivariateGroup
from spc.pipeline.processing import SubgroupInput, process_many
from spc.tests.factories import CharacteristicFactory

T0 = datetime.fromisoformat("2026-11-02T06:00:00+00:00")


class MultivariateGroupFactory(factory.django.DjangoModelFactory[MultivariateGroup]):
    class Meta:
        model = MultivariateGroup

    name = factory.Sequence(lambda i: f"Group {i}")
    hierarchy = factory.LazyFunction(lambda: CharacteristicFactory().hierarchy)


def group_of(names: Sequence[str], **kwargs: Any) -> MultivariateGroup:
    """A group whose members are new I-MR characteristics on one line, in ``names`` order."""
    first = CharacteristicFactory(name=names[0])
    group: MultivariateGroup = MultivariateGroupFactory(hierarchy=first.hierarchy, **kwargs)
    chars = [first] + [CharacteristicFactory(name=n, hierarchy=first.hierarchy) for n in names[1:]]
    for position, char in enumerate(chars):
        GroupMember.objects.create(group=group, characteristic=char, position=position)
    return group


def store_rows(
    group: MultivariateGroup,
    rows: Sequence[Sequence[float | None]],
    *,
    start: datetime = T0,
    step: timedelta = timedelta(minutes=10),
) -> list[datetime]:
    """Each row is one observation stored through the pipeline, member samples sharing the
    row's source time; ``None`` leaves that member's sample out (incomplete)."""
    chars = group.member_list()
    items = []
    stamps = []
    for i, row in enumerate(rows):
        stamp = start + i * step
        stamps.append(stamp)
        for char, value in zip(chars, row, strict=True):
            if value is not None:
                items.append(
                    SubgroupInput(characteristic_id=char.pk, measurements=(value,), timestamp=stamp)
                )
    results = process_many(items)
    assert all(not isinstance(r, Exception) for r in results), results
    return stamps
