"""Violation constraints: rule range, once per rule per sample, acknowledgement needs a reason."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from alerts.models import Violation
from alerts.tests.factories import ReasonCodeFactory, ViolationFactory

pytestmark = pytest.mark.django_db


def test_the_database_refuses_a_rule_outside_1_to_8() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ViolationFactory(rule=9)


def test_a_sample_records_each_rule_once() -> None:
    violation = ViolationFactory(rule=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        ViolationFactory(sample=violation.sample, rule=2)


def test_an_acknowledgement_without_reason_code_is_refused() -> None:
    violation = ViolationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Violation.objects.filter(pk=violation.pk).update(acknowledged_at=timezone.now())


def test_unacknowledged_lists_only_open_violations() -> None:
    open_one = ViolationFactory()
    ViolationFactory(acknowledged_at=timezone.now(), reason_code=ReasonCodeFactory())
    assert list(Violation.objects.unacknowledged()) == [open_one]
