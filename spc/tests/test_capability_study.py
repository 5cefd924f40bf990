"""The Django side of capability: which measurements a study reads and which sigma."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from django.utils import timezone

from spc.core.errors import InputError, ZeroSpreadError
from spc.models import Characteristic, Sample
from spc.reports.capability_study import capability_study
from spc.tests.factories import CharacteristicFactory, MeasurementFactory, SampleFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def add_sample(
    char: Characteristic, values: list[float], *, hours_ago: float = 1, excluded: bool = False
) -> Sample:
    """A stored sample with its measurement rows (bypassing the pipeline)."""
    sample: Sample = SampleFactory(
        characteristic=char,
        timestamp=NOW - timedelta(hours=hours_ago),
        actual_n=len(values),
        value=sum(values) / len(values),
        is_excluded=excluded,
    )
    for position, value in enumerate(values):
        MeasurementFactory(sample=sample, position=position, value=value)
    return sample


def test_study_reads_included_samples_and_uses_stored_sigma() -> None:
    char = CharacteristicFactory(usl=14.0, lsl=0.0, sigma=1.5)
    for value in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]:
        add_sample(char, [value])
    add_sample(char, [100.0], excluded=True)
    study = capability_study(char)
    # 2, 4, 4, 4, 5, 5, 7, 9: mean 5, s = sqrt(32/7); Cp = 14/(6·1.5); Pp = 14/(6s).
    assert study["n"] == 8
    assert study["sample_count"] == 8
    assert study["excluded_count"] == 1
    assert study["mean"] == pytest.approx(5.0)
    assert study["sigma_overall"] == pytest.approx(math.sqrt(32 / 7))
    assert study["sigma_within"] == 1.5
    assert study["sigma_within_source"] == "stored"
    assert study["cp"] == pytest.approx(14 / 9)
    assert study["pp"] == pytest.approx(14 / (6 * math.sqrt(32 / 7)))
    assert {"cp", "cpk", "pp", "ppk", "cpm", "sigma_within", "sigma_overall"} <= set(study)


def test_study_keeps_to_the_date_range() -> None:
    char = CharacteristicFactory(usl=10.0, lsl=0.0, sigma=1.0)
    add_sample(char, [1.0], hours_ago=50)
    for value in [4.0, 6.0, 5.0]:
        add_sample(char, [value], hours_ago=5)
    add_sample(char, [9.0], hours_ago=0.5)
    study = capability_study(char, start=NOW - timedelta(hours=10), end=NOW - timedelta(hours=1))
    assert study["n"] == 3
    assert study["mean"] == pytest.approx(5.0)
    assert study["start"] == (NOW - timedelta(hours=10)).isoformat()


def test_study_reads_every_measurement_of_a_subgroup() -> None:
    char = CharacteristicFactory(
        usl=12.0, lsl=8.0, sigma=0.5, chart_type="XBAR_R", subgroup_size=2, min_measurements=1
    )
    add_sample(char, [9.0, 10.0])
    add_sample(char, [11.0, 10.0])
    study = capability_study(char)
    assert study["n"] == 4
    assert study["sample_count"] == 2
    assert study["mean"] == pytest.approx(10.0)


def test_without_stored_sigma_the_chart_estimator_gives_within_sigma() -> None:
    char = CharacteristicFactory(usl=20.0, lsl=0.0, sigma=None)
    for value in [10.0, 12.0, 11.0, 13.0, 10.0]:
        add_sample(char, [value])
    study = capability_study(char)
    # I-MR: moving ranges 2, 1, 2, 3 → MR̄ = 2 → σ = 2/1.128 = 1.773.
    assert study["sigma_within_source"] == "estimated"
    assert study["sigma_within"] == pytest.approx(1.773, abs=0.001)
    assert study["cp"] == pytest.approx(20 / (6 * 1.773), abs=0.002)


def test_histogram_and_normality_are_json_ready() -> None:
    char = CharacteristicFactory(usl=14.0, lsl=0.0, sigma=1.5)
    for value in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]:
        add_sample(char, [value])
    study = capability_study(char)
    assert sum(study["histogram"]["counts"]) == 8
    assert isinstance(study["histogram"]["edges"], list)
    assert study["normality"]["test"] == "anderson-darling"


def test_no_spec_limits_is_an_input_error() -> None:
    char = CharacteristicFactory(usl=None, lsl=None, sigma=1.0)
    add_sample(char, [1.0])
    add_sample(char, [2.0])
    with pytest.raises(InputError, match="specification limit") as info:
        capability_study(char)
    assert info.value.field == "non_field_errors"


def test_constant_values_raise_zero_spread() -> None:
    char = CharacteristicFactory(usl=2.0, lsl=0.0, sigma=None)
    for _ in range(5):
        add_sample(char, [1.0])
    with pytest.raises(ZeroSpreadError):
        capability_study(char)


def test_too_few_values_is_an_input_error() -> None:
    char = CharacteristicFactory(usl=2.0, lsl=0.0, sigma=1.0)
    add_sample(char, [1.0])
    with pytest.raises(InputError, match="at least 2 values"):
        capability_study(char)


def test_attribute_chart_has_no_capability_study() -> None:
    char = CharacteristicFactory(chart_type="P", usl=0.1, lsl=None)
    with pytest.raises(InputError) as info:
        capability_study(char)
    assert info.value.field == "characteristic"
