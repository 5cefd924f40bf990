"""The daily digest per notification rule with ``daily_digest``: the subtree's open
violations by characteristic, and its characteristics whose Cpk over the last 30 days is
below ``OPENSPC_DIGEST_CPK_TARGET`` (1.33), e-mailed as text and HTML with chart links.

Beat runs ``alerts.send_daily_digests`` every morning; a digest with nothing to say is
not sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone

from alerts.models import NotificationRule, Violation, split_addresses
from alerts.notifications.messages import chart_url
from spc.core.errors import InputError
from spc.models import Characteristic
from spc.reports.capability_study import capability_study

logger = logging.getLogger(__name__)

WINDOW = timedelta(days=30)
MAX_STUDIES = 200
"""Characteristics studied per digest (those with both spec limits first)."""


@dataclass
class Digest:
    """What one digest says."""

    rule: NotificationRule
    open_rows: list[dict[str, Any]] = field(default_factory=list)
    low_capability: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.open_rows and not self.low_capability


def build_digest(rule: NotificationRule, now: datetime | None = None) -> Digest:
    """Open violations and low capability in the rule's subtree."""
    now = now or timezone.now()
    digest = Digest(rule)
    chars = Characteristic.objects.filter(
        hierarchy__path__startswith=rule.node.path, active=True
    ).select_related("hierarchy")
    counts = (
        Violation.objects.unacknowledged()
        .filter(characteristic__in=chars)
        .values("characteristic_id")
        .annotate(
            critical=Count("id", filter=Q(severity="CRITICAL")),
            warning=Count("id", filter=Q(severity="WARNING")),
        )
    )
    by_id = {c.pk: c for c in chars}
    for row in sorted(counts, key=lambda r: (-r["critical"], -r["warning"])):
        char = by_id[row["characteristic_id"]]
        digest.open_rows.append(
            {
                "name": char.name,
                "node": char.hierarchy.name,
                "critical": row["critical"],
                "warning": row["warning"],
                "url": chart_url(char.pk),
            }
        )
    target = settings.OPENSPC_DIGEST_CPK_TARGET
    studied = chars.exclude(usl__isnull=True, lsl__isnull=True).order_by("id")[:MAX_STUDIES]
    for char in studied:
        try:
            study = capability_study(char, start=now - WINDOW, end=now)
        except InputError:
            continue  # an attribute chart, too few values, no spread
        cpk = study.get("cpk")
        if cpk is not None and cpk < target:
            digest.low_capability.append(
                {
                    "name": char.name,
                    "node": char.hierarchy.name,
                    "cpk": cpk,
                    "samples": study["sample_count"],
                    "url": chart_url(char.pk),
                }
            )
    digest.low_capability.sort(key=lambda r: r["cpk"])
    return digest


def send_digest(digest: Digest, now: datetime) -> bool:
    """E-mail a digest to its rule's recipients; False when it failed (logged)."""
    context = {
        "digest": digest,
        "node": digest.rule.node.name,
        "day": now.date(),
        "target": settings.OPENSPC_DIGEST_CPK_TARGET,
    }
    message = EmailMultiAlternatives(
        f"[OpenSPC] Daily digest — {digest.rule.node.name}, {now:%Y-%m-%d}",
        render_to_string("alerts/notifications/digest.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        split_addresses(digest.rule.email_recipients),
    )
    message.attach_alternative(
        render_to_string("alerts/notifications/digest.html", context), "text/html"
    )
    try:
        return message.send(fail_silently=False) == 1
    except (OSError, ValueError):
        logger.exception("could not send the digest of rule %s", digest.rule.pk)
        return False


def send_digests(now: datetime | None = None) -> int:
    """Build and send every active rule's digest (when it has something to say)."""
    now = now or timezone.now()
    sent = 0
    rules = NotificationRule.objects.filter(active=True, daily_digest=True).select_related("node")
    for rule in rules:
        if not split_addresses(rule.email_recipients):
            continue
        digest = build_digest(rule, now)
        if not digest.empty and send_digest(digest, now):
            sent += 1
    return sent
