"""End to end over REST: rules fired one sample at a time equal the batch scan of the
stored series, and fire on exactly the completing point (DESIGN.md quality bar)."""

from __future__ import annotations

import random

import pytest
from rest_framework.test import APIClient

from alerts.models import Violation
from spc.core.rules import NELSON, scan
from spc.models import Characteristic, Sample
from spc.pipeline.windows import windows
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db


def post_series(client: APIClient, char: Characteristic, values: list[float]) -> list[set[int]]:
    """POST each value; the rules each response reports, in order."""
    fired = []
    for value in values:
        response = client.post(
            "/api/v1/samples/", {"characteristic": char.pk, "measurements": [value]}, format="json"
        )
        assert response.status_code == 201, response.content
        fired.append({v["rule"] for v in response.json()["violations"]})
    return fired


def series(seed: int) -> list[float]:
    """Noise with a shift, a trend and an oscillation, so every rule has a chance."""
    rng = random.Random(seed)
    values = [rng.gauss(10, 1) for _ in range(30)]
    values += [rng.gauss(11.5, 0.6) for _ in range(15)]
    values += [9 + 0.3 * i for i in range(8)]
    values += [10 + (1.5 if i % 2 else -1.5) for i in range(16)]
    values += [rng.gauss(10, 0.2) for _ in range(20)]
    return values


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_streamed_rules_equal_batch_scan_of_stored_series(api_client: APIClient, seed: int) -> None:
    windows.clear()
    char = CharacteristicFactory.create(center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)
    streamed = post_series(api_client, char, series(seed))
    stored = list(Sample.objects.filter(characteristic=char).order_by("id"))
    z = [s.z_score for s in stored]
    assert all(v is not None for v in z)
    batch: list[set[int]] = [set() for _ in stored]
    for signal in scan([float(v) for v in z if v is not None], NELSON):
        batch[signal.index].add(int(signal.rule))
    assert streamed == batch
    assert sum(len(r) for r in streamed) == Violation.objects.filter(characteristic=char).count()
    assert sum(len(r) for r in streamed) > 5  # the series exercises the rules


def test_rule_two_on_the_ninth_and_rule_three_on_the_sixth(api_client: APIClient) -> None:
    windows.clear()
    char = CharacteristicFactory.create(center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)
    fired = post_series(api_client, char, [10.4] * 9)
    assert [i for i, rules in enumerate(fired, 1) if 2 in rules] == [9]
    other = CharacteristicFactory.create(center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)
    fired = post_series(api_client, other, [8.0, 8.5, 9.0, 9.5, 10.5, 11.0])
    assert [i for i, rules in enumerate(fired, 1) if 3 in rules] == [6]
