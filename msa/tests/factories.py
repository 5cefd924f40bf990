"""Factories for gauges and studies."""

from __future__ import annotations

import factory

from hierarchy.tests.factories import NodeFactory
from msa.models import Gauge, GaugeStudy, StudyMeasurement


class GaugeFactory(factory.django.DjangoModelFactory[Gauge]):
    """A micrometer on a fresh site."""

    class Meta:
        model = Gauge

    code = factory.Sequence(lambda i: f"mic-{i}")
    name = "Micrometer 0–25 mm"
    gauge_type = "micrometer"
    resolution = 0.001
    site = factory.LazyFunction(lambda: NodeFactory(parent=NodeFactory()))


class GaugeStudyFactory(factory.django.DjangoModelFactory[GaugeStudy]):
    """A crossed 10 × 3 × 3 study with operators A, B, C."""

    class Meta:
        model = GaugeStudy

    gauge = factory.SubFactory(GaugeFactory)
    name = factory.Sequence(lambda i: f"Study {i}")
    parts = 10
    operators = factory.LazyFunction(lambda: ["A", "B", "C"])
    trials = 3


def fill(study: GaugeStudy, rows: list[tuple[int, str, float]]) -> None:
    """Store ``(part, operator, value)`` rows, numbering trials in order of appearance."""
    seen: dict[tuple[int, str], int] = {}
    objs = []
    for part, operator, value in rows:
        trial = seen[(part, operator)] = seen.get((part, operator), 0) + 1
        objs.append(
            StudyMeasurement(study=study, part=part, operator=operator, trial=trial, value=value)
        )
    StudyMeasurement.objects.bulk_create(objs)
