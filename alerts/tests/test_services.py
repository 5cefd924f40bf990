"""Acknowledgement, open counts and card states."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from alerts.models import Violation
from alerts.services import acknowledge, card_state, open_counts
from alerts.tests.factories import ReasonCodeFactory, ViolationFactory
from spc.core.errors import InputError
from spc.tests.factories import SampleFactory

pytestmark = pytest.mark.django_db


def test_acknowledge_records_the_user_reason_and_comment(operator: User) -> None:
    violation = ViolationFactory()
    reason = ReasonCodeFactory(code="tool-wear")
    result = acknowledge([violation.pk], user=operator, reason_code="tool-wear", comment="swapped")
    violation.refresh_from_db()
    assert result.acknowledged == [violation.pk]
    assert violation.acknowledged_by == operator
    assert violation.reason_code == reason
    assert violation.comment == "swapped"
    assert violation.acknowledged_at is not None


def test_acknowledging_one_violation_closes_its_episode(operator: User) -> None:
    first = ViolationFactory(rule=2, severity="WARNING")
    first.episode = first.pk
    first.save()
    rest = [
        ViolationFactory(
            rule=2,
            severity="WARNING",
            characteristic=first.characteristic,
            sample=SampleFactory(characteristic=first.characteristic),
            episode=first.pk,
        )
        for _ in range(3)
    ]
    other = ViolationFactory(
        characteristic=first.characteristic,
        sample=SampleFactory(characteristic=first.characteristic),
    )
    ReasonCodeFactory(code="shift")
    result = acknowledge([rest[1].pk], user=operator, reason_code="shift")
    assert sorted(result.acknowledged) == sorted([first.pk] + [v.pk for v in rest])
    assert Violation.objects.unacknowledged().get() == other


def test_already_acknowledged_is_left_alone(operator: User, engineer: User) -> None:
    violation = ViolationFactory()
    ReasonCodeFactory(code="gauge")
    acknowledge([violation.pk], user=engineer, reason_code="gauge")
    result = acknowledge([violation.pk], user=operator, reason_code="gauge")
    violation.refresh_from_db()
    assert result.acknowledged == []
    assert violation.acknowledged_by == engineer


@pytest.mark.parametrize(
    ("ids", "code", "field"),
    [
        ([], "gauge", "violation_ids"),
        ([999999], "gauge", "violation_ids"),
        (None, "", "reason_code"),
        (None, "nope", "reason_code"),
    ],
)
def test_bad_acknowledgements(operator: User, ids: list[int] | None, code: str, field: str) -> None:
    ReasonCodeFactory(code="gauge")
    violation = ViolationFactory()
    with pytest.raises(InputError) as info:
        acknowledge(ids if ids is not None else [violation.pk], user=operator, reason_code=code)
    assert info.value.field == field
    violation.refresh_from_db()
    assert violation.acknowledged_at is None


def test_open_counts_by_severity() -> None:
    warning = ViolationFactory(severity="WARNING", rule=2)
    char_id = warning.characteristic_id
    ViolationFactory(
        severity="CRITICAL",
        characteristic=warning.characteristic,
        sample=SampleFactory(characteristic=warning.characteristic),
    )
    assert open_counts([char_id, 424242]) == {
        char_id: {"WARNING": 1, "CRITICAL": 1},
        424242: {"WARNING": 0, "CRITICAL": 0},
    }


def test_card_state_order() -> None:
    now = timezone.now()
    assert card_state({"WARNING": 1, "CRITICAL": 1}, now) == "CRITICAL"
    assert card_state({"WARNING": 1, "CRITICAL": 0}, now) == "WARNING"
    assert card_state({"WARNING": 0, "CRITICAL": 0}, now) == "IN_CONTROL"
    assert card_state({}, None) == "NO_DATA"
    assert card_state({}, now - timedelta(hours=9), now=now) == "NO_DATA"
