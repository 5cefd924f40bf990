"""INFORMATIONAL violations are stored and shown but need no acknowledgement: never open,
never a toast, a notification or an escalation, never in a "needs acknowledgement" count."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from alerts.models import NotificationRule, ReasonCode, Violation
from alerts.notifications.routing import due_for_escalation, rules_matching
from alerts.services import acknowledge, card_state, open_counts
from alerts.tests.notify_support import char, make_rule  # noqa: F401 - fixture
from spc.live.fragments import LiveView
from spc.live.renderers import render_sample_processed
from spc.models import Characteristic
from spc.pipeline.processing import SubgroupInput, process
from spc.pipeline.windows import windows

pytestmark = pytest.mark.django_db

INFO_RULE_1 = {"1": {"severity": "INFORMATIONAL"}, "2": {"severity": "WARNING", "length": 3}}


@pytest.fixture
def informational(char: Characteristic) -> Characteristic:  # noqa: F811
    """Shaft OD (CL 10, limits 7..13): rule 1 informational, rule 2 (3 in a row) a warning."""
    windows.clear()
    char.rules = INFO_RULE_1
    char.save(update_fields=["rules"])
    return char


def test_an_informational_violation_is_stored_but_never_open(
    informational: Characteristic,
) -> None:
    result = process(SubgroupInput(informational.pk, (20.0,), source="REST"))
    [beyond] = result.violations
    assert (beyond.rule, beyond.severity) == (1, "INFORMATIONAL")
    assert Violation.objects.filter(pk=beyond.pk).exists()
    assert not Violation.objects.unacknowledged().exists()
    assert open_counts([informational.pk])[informational.pk] == {"WARNING": 0, "CRITICAL": 0}
    assert result.event["open_violations"] == {"WARNING": 0, "CRITICAL": 0}
    assert card_state(open_counts([informational.pk])[informational.pk], timezone.now()) == (
        "IN_CONTROL"
    )


def test_no_toast_and_no_open_row_for_an_informational_violation(
    informational: Characteristic,
) -> None:
    result = process(SubgroupInput(informational.pk, (20.0,), source="REST"))
    html = render_sample_processed(result.event, LiveView(char_id=informational.pk, area_id=1))
    assert 'class="toast"' not in html
    assert "toast-" not in html
    assert "violation-rows-" not in html
    # a warning on the same chart still toasts (rule 2: three in a row above the CL)
    process(SubgroupInput(informational.pk, (11.0,), source="REST"))
    warned = process(SubgroupInput(informational.pk, (11.0,), source="REST"))
    assert [v.severity for v in warned.violations] == ["WARNING"]
    html = render_sample_processed(warned.event, LiveView(char_id=informational.pk, area_id=1))
    assert "toast" in html


def test_informational_is_below_every_notification_severity(
    informational: Characteristic,
) -> None:
    rule = make_rule(informational, "", email_recipients="qa@example.com")
    result = process(SubgroupInput(informational.pk, (20.0,), source="REST"))
    [violation] = result.violations
    assert rules_matching(violation, [rule]) == []
    assert not rule.matches(informational.hierarchy.path, 1, "INFORMATIONAL")
    assert rule.matches(informational.hierarchy.path, 1, "WARNING")
    rule.escalation_after_minutes = 1
    rule.escalation_recipients = "boss@example.com"
    rule.created_at = timezone.now() - timedelta(hours=1)
    rule.save()
    Violation.objects.update(created_at=timezone.now() - timedelta(minutes=30))
    assert not due_for_escalation(rule).exists()


def test_no_notification_is_queued_for_an_informational_violation(
    informational: Characteristic, django_capture_on_commit_callbacks: Any
) -> None:
    make_rule(informational, "", email_recipients="qa@example.com")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        process(SubgroupInput(informational.pk, (20.0,), source="REST"))
    names = [getattr(c, "func", c).__name__ for c in callbacks]
    assert "_queue" not in names, names


def test_acknowledging_an_informational_violation_changes_nothing(
    informational: Characteristic, operator: User
) -> None:
    [violation] = process(SubgroupInput(informational.pk, (20.0,), source="REST")).violations
    reason = ReasonCode.objects.create(code="gauge", description="Gauge")
    result = acknowledge([violation.pk], user=operator, reason_code=reason)
    assert result.acknowledged == []
    violation.refresh_from_db()
    assert violation.acknowledged_at is None


def test_needs_ack_filters_and_counts_leave_informational_out(
    informational: Characteristic, api_client: APIClient, client: Client, operator: User
) -> None:
    [info] = process(SubgroupInput(informational.pk, (20.0,), source="REST")).violations
    open_list = api_client.get("/api/v1/violations/?acknowledged=false").json()
    assert open_list["count"] == 0
    everything = api_client.get("/api/v1/violations/").json()
    assert [(v["id"], v["severity"]) for v in everything["results"]] == [(info.pk, "INFORMATIONAL")]
    stats = api_client.get("/api/v1/violations/stats/").json()
    assert (stats["total"], stats["unacknowledged"]) == (1, 0)
    client.force_login(operator)
    assert f'id="violation-{info.pk}"' not in client.get("/violations/").content.decode()
    page = client.get("/violations/?status=informational").content.decode()
    assert f'id="violation-{info.pk}"' in page
    assert "no acknowledgement needed" in page
    assert f'value="{info.pk}" form="ack-form"' not in page


def test_a_notification_rule_cannot_ask_for_informational() -> None:
    assert "INFORMATIONAL" not in NotificationRule.MinSeverity.values


def test_notification_rules_may_name_the_secondary_pane_rules() -> None:
    from django.core.exceptions import ValidationError

    from alerts.models import validate_rule_numbers

    validate_rule_numbers([1, 101, 102, 108])
    for bad in ([109], [100], [True]):
        with pytest.raises(ValidationError):
            validate_rule_numbers(bad)
