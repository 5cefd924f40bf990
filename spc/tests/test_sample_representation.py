"""The hand-built sample representation is exactly DRF's rendering of the declared fields."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from spc.api.serializers import SampleSerializer
from spc.models import Sample
from spc.pipeline.processing import SubgroupInput, process
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db


def test_sample_representation_matches_drf() -> None:
    user = User.objects.create_user("olga")
    char = CharacteristicFactory.create(center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)
    phase_one = CharacteristicFactory.create()
    results = [
        process(SubgroupInput(char.pk, (14.0,), operator="o", batch_number="B", user_id=user.pk)),
        process(SubgroupInput(char.pk, (10.0,), idempotency_key="k")),
        process(SubgroupInput(phase_one.pk, (3.0,))),
    ]
    Sample.objects.filter(pk=results[1].sample.pk).update(
        is_excluded=True, exclusion_reason="gauge <dropped>"
    )
    serializer = SampleSerializer()
    stored = Sample.objects.prefetch_related("measurements", "violations").order_by("id")
    assert len(stored) == 3
    for sample in stored:
        assert serializer.to_representation(sample) == serializer.generic_representation(sample)
    fresh = results[0].sample
    fresh.raised_violations = results[0].violations
    body = serializer.to_representation(fresh)
    assert body == serializer.generic_representation(fresh)
    assert body["created_by"] == "olga"
    assert [v["rule"] for v in body["violations"]] == [1]
