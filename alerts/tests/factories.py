"""Factories for reason codes and violations."""

from __future__ import annotations

import factory

from alerts.models import ReasonCode, Violation
from spc.tests.factories import SampleFactory


class ReasonCodeFactory(factory.django.DjangoModelFactory[ReasonCode]):
    class Meta:
        model = ReasonCode

    code = factory.Sequence(lambda i: f"reason-{i}")
    description = factory.Sequence(lambda i: f"Reason {i}")
    category = "MACHINE"


class ViolationFactory(factory.django.DjangoModelFactory[Violation]):
    class Meta:
        model = Violation

    sample = factory.SubFactory(SampleFactory)
    characteristic = factory.SelfAttribute("sample.characteristic")
    rule = 1
    severity = "CRITICAL"
