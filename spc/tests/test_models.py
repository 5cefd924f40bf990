"""Database constraints on characteristics and samples: bad data is refused by the database."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from spc.models import Characteristic, Sample
from spc.tests.factories import CharacteristicFactory, SampleFactory

pytestmark = pytest.mark.django_db


def _update(char: Characteristic, **fields: Any) -> None:
    """Write fields with a queryset update, so only the database can refuse them."""
    with transaction.atomic():
        Characteristic.objects.filter(pk=char.pk).update(**fields)


@pytest.mark.parametrize(
    "fields",
    [
        {"usl": 1.0, "lsl": 2.0},
        {"usl": 1.0, "lsl": 1.0},
        {"ucl": 5.0, "lcl": 6.0},
        {"subgroup_size": 0, "min_measurements": 0},
        {"subgroup_size": 3, "min_measurements": 4},
        {"subgroup_size": 3, "warn_below_count": 4},
        {"sigma": 0.0},
        {"ewma_lambda": 0.0},
        {"chart_type": "PIE"},
        {"subgroup_mode": "WHATEVER"},
    ],
    ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()),
)
def test_the_database_refuses_an_impossible_characteristic(fields: dict[str, Any]) -> None:
    char = CharacteristicFactory(subgroup_size=5, min_measurements=2)
    with pytest.raises(IntegrityError):
        _update(char, **fields)


def test_a_valid_characteristic_with_spec_and_limits_is_stored() -> None:
    char = CharacteristicFactory(usl=12, lsl=8, ucl=11, lcl=9, center_line=10, sigma=0.3)
    char.refresh_from_db()
    assert char.has_limits
    assert char.rules["1"]["severity"] == "CRITICAL"


def test_an_idempotency_key_is_unique_per_characteristic() -> None:
    sample = SampleFactory(idempotency_key="abc")
    other = CharacteristicFactory()
    SampleFactory(characteristic=other, idempotency_key="abc")
    with pytest.raises(IntegrityError), transaction.atomic():
        SampleFactory(characteristic=sample.characteristic, idempotency_key="abc")


def test_samples_without_a_key_never_collide() -> None:
    char = CharacteristicFactory()
    SampleFactory(characteristic=char, idempotency_key=None)
    SampleFactory(characteristic=char, idempotency_key=None)
    assert Sample.objects.filter(characteristic=char).count() == 2


def test_the_database_refuses_a_negative_count() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        SampleFactory(count=-1)


def test_subtree_query_finds_characteristics_below_a_node() -> None:
    char = CharacteristicFactory()
    site = char.hierarchy.parent.parent
    CharacteristicFactory()
    assert list(Characteristic.objects.in_subtree(site)) == [char]
