"""Which notification rules hear about which violations, and escalation's due violations.

Only the first violation of an episode notifies (a sustained run of one rule is one
message), for raising and for escalating alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from alerts.models import Delivery, NotificationRule, Violation


def heads_of_episodes(violations: Iterable[Violation]) -> list[int]:
    """Ids of the violations that start an episode (the others continue one)."""
    return [v.pk for v in violations if v.episode is None or v.episode == v.pk]


def active_rules() -> list[NotificationRule]:
    """Active notification rules with their node and endpoint."""
    return list(NotificationRule.objects.filter(active=True).select_related("node", "webhook"))


def violations_for_notice(ids: Iterable[int]) -> QuerySet[Violation]:
    """The violations with what a message says about them."""
    return Violation.objects.filter(pk__in=list(ids)).select_related(
        "characteristic__hierarchy", "sample"
    )


def rules_matching(
    violation: Violation, rules: Iterable[NotificationRule]
) -> list[NotificationRule]:
    """The rules whose subtree, rule numbers and severity take in ``violation``."""
    path = violation.characteristic.hierarchy.path
    return [r for r in rules if r.matches(path, violation.rule, violation.severity)]


def due_for_escalation(rule: NotificationRule, now: datetime | None = None) -> QuerySet[Violation]:
    """The rule's violations unacknowledged for its escalation delay and not yet escalated.

    Only violations raised since the rule exists: a new rule does not escalate history.
    """
    assert rule.escalation_after_minutes
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=rule.escalation_after_minutes)
    qs = Violation.objects.unacknowledged().filter(
        Q(episode__isnull=True) | Q(episode=F("pk")),
        characteristic__hierarchy__path__startswith=rule.node.path,
        created_at__lte=cutoff,
        created_at__gte=rule.created_at,
    )
    if rule.rules:
        qs = qs.filter(rule__in=rule.rules)
    if rule.min_severity == NotificationRule.MinSeverity.CRITICAL:
        qs = qs.filter(severity="CRITICAL")
    escalated = Delivery.objects.filter(rule=rule, kind=Delivery.Kind.ESCALATED)
    return qs.exclude(pk__in=escalated.values("violation_id")).select_related(
        "characteristic__hierarchy", "sample"
    )
