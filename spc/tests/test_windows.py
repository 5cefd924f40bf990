"""Windows loaded together are the windows loaded one by one (PostgreSQL reads them with
one LATERAL query; elsewhere they are loaded one by one, and this holds trivially)."""

from __future__ import annotations

import pytest

from spc.models import Sample
from spc.pipeline.processing import SubgroupInput, process_many
from spc.pipeline.windows import WindowCache, load_window, load_windows, windows
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db


def test_load_windows_matches_load_window() -> None:
    chars = [
        CharacteristicFactory.create(center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)
        for _ in range(3)
    ]
    values = [9.0, 11.5, 12.0, 8.0, 10.5, 13.5, 7.5, 10.0]
    process_many(
        [
            SubgroupInput(characteristic_id=c.pk, measurements=(v + i,))
            for v in values
            for i, c in enumerate(chars)
        ]
    )
    excluded = Sample.objects.filter(characteristic=chars[1]).order_by("id")[2]
    Sample.objects.filter(pk=excluded.pk).update(is_excluded=True)
    empty = CharacteristicFactory.create()
    capacities = {chars[0].pk: 5, chars[1].pk: 20, chars[2].pk: 3, empty.pk: 4}
    together = load_windows(capacities)
    assert set(together) == set(capacities)
    for cid, capacity in capacities.items():
        alone = load_window(cid, capacity)
        assert together[cid].keys() == alone.keys()
        assert together[cid].points() == alone.points()
        assert together[cid].capacity == capacity
    held = together[chars[1].pk].keys()
    assert excluded.pk not in held
    assert len(together[chars[1].pk].keys()) == len(values) - 1


def test_current_many_loads_only_stale_windows() -> None:
    chars = [CharacteristicFactory.create(center_line=10.0, ucl=13.0, lcl=7.0) for _ in range(2)]
    windows.clear()
    process_many([SubgroupInput(characteristic_id=c.pk, measurements=(10.0,)) for c in chars])
    cache = WindowCache(10)
    newest = {c.pk: Sample.objects.filter(characteristic=c).latest("id").pk for c in chars}
    cache.current_many(chars, {c.pk: 5 for c in chars}, newest)
    assert cache.loads == 2
    cache.current_many(chars, {c.pk: 5 for c in chars}, newest)
    assert cache.loads == 2
    newest[chars[0].pk] += 1000  # another process stored a newer sample
    cache.current_many(chars, {c.pk: 5 for c in chars}, newest)
    assert cache.loads == 3
