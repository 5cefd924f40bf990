"""Factories for characteristics, samples and limit history."""

from __future__ import annotations

import factory
from django.utils import timezone

from hierarchy.models import Level
from hierarchy.tests.factories import NodeFactory
from spc.models import Characteristic, LimitSet, Measurement, Sample


def _line() -> object:
    site = NodeFactory(parent=NodeFactory())
    return NodeFactory(parent=NodeFactory(parent=site))


class CharacteristicFactory(factory.django.DjangoModelFactory[Characteristic]):
    """An individuals (I-MR) characteristic on a fresh line, no limits (Phase I)."""

    class Meta:
        model = Characteristic

    hierarchy = factory.LazyFunction(_line)
    name = factory.Sequence(lambda i: f"Characteristic {i}")
    chart_type = "I_MR"
    subgroup_size = 1
    min_measurements = 1


class SampleFactory(factory.django.DjangoModelFactory[Sample]):
    """A stored single-value sample (bypasses the pipeline: for query and admin tests)."""

    class Meta:
        model = Sample

    characteristic = factory.SubFactory(CharacteristicFactory)
    timestamp = factory.LazyFunction(timezone.now)
    source = "MANUAL"
    actual_n = 1
    value = 10.0
    mean = 10.0


class MeasurementFactory(factory.django.DjangoModelFactory[Measurement]):
    class Meta:
        model = Measurement

    sample = factory.SubFactory(SampleFactory)
    position = 0
    value = 10.0


class LimitSetFactory(factory.django.DjangoModelFactory[LimitSet]):
    class Meta:
        model = LimitSet

    characteristic = factory.SubFactory(CharacteristicFactory)
    method = "MANUAL"
    center_line = 10.0
    ucl = 13.0
    lcl = 7.0
    sigma = 1.0


__all__ = [
    "CharacteristicFactory",
    "Level",
    "LimitSetFactory",
    "MeasurementFactory",
    "SampleFactory",
]
