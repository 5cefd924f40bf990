"""Rule violations raised by samples, the reason codes used to acknowledge them, and the
notification rules, webhook endpoints and delivery log of ``alerts.notifications``."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q
from django.utils import timezone

from spc.choices import SEVERITY_CHOICES
from spc.core.types import SECONDARY_RULE_BASE, Severity

INFORMATIONAL = Severity.INFORMATIONAL.value
#: Violations waiting for an acknowledgement: not acknowledged, and not informational
#: (an INFORMATIONAL violation is stored and shown but never open).
NEEDS_ACK = Q(acknowledged_at__isnull=True) & ~Q(severity=INFORMATIONAL)
#: Stored rule ids: Nelson 1-8 on the primary chart, 100 + k on the secondary pane.
KNOWN_RULES = frozenset(range(1, 9)) | frozenset(range(SECONDARY_RULE_BASE + 1, 109))


class ReasonCode(models.Model):
    """An assignable cause an operator picks when acknowledging a violation."""

    class Category(models.TextChoices):
        MACHINE = "MACHINE", "Machine"
        METHOD = "METHOD", "Method"
        MATERIAL = "MATERIAL", "Material"
        MAN = "MAN", "Operator"
        MEASUREMENT = "MEASUREMENT", "Measurement"
        ENVIRONMENT = "ENVIRONMENT", "Environment"
        OTHER = "OTHER", "Other"

    code = models.SlugField(max_length=40, unique=True)
    description = models.CharField(max_length=200)
    category = models.CharField(max_length=12, choices=Category.choices, default=Category.OTHER)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.description}"


class ViolationQuerySet(models.QuerySet["Violation"]):
    """Reusable violation queries."""

    def unacknowledged(self) -> ViolationQuerySet:
        """Open violations: nobody has acknowledged them yet and they need it (an
        INFORMATIONAL violation needs no acknowledgement, so it is never open)."""
        return self.filter(NEEDS_ACK)


class Violation(models.Model):
    """One run rule completed by one sample.

    ``rule`` is a Nelson rule 1-8 of the primary chart, or 100 + k: rule k on the sample's
    R, S or MR (``spc.core.types.SECONDARY_BEYOND_LIMITS`` = 101: beyond its limits). Its
    text for people is ``spc.core.rule_texts.rule_text``. ``severity`` INFORMATIONAL is
    shown but needs no acknowledgement (``NEEDS_ACK``).
    """

    # Served by the (sample, rule) unique index and the (characteristic, rule, created_at)
    # index below; single-column indexes would only slow inserts.
    sample = models.ForeignKey(
        "spc.Sample", on_delete=models.CASCADE, related_name="violations", db_index=False
    )
    characteristic = models.ForeignKey(
        "spc.Characteristic", on_delete=models.CASCADE, related_name="violations", db_index=False
    )
    rule = models.PositiveSmallIntegerField()
    severity = models.CharField(max_length=16, choices=SEVERITY_CHOICES)
    created_at = models.DateTimeField(default=timezone.now)
    involved_sample_ids = models.JSONField(default=list, blank=True)
    episode = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="Id of the first violation of a sustained run of the same rule, so an "
        "operator acknowledges the episode once.",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason_code = models.ForeignKey(
        ReasonCode, null=True, blank=True, on_delete=models.PROTECT, related_name="violations"
    )
    comment = models.TextField(blank=True)

    objects = ViolationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(rule__gte=1) & Q(rule__lte=8))
                | (Q(rule__gte=SECONDARY_RULE_BASE + 1) & Q(rule__lte=SECONDARY_RULE_BASE + 8)),
                name="violation_rule_known",
            ),
            models.UniqueConstraint(fields=["sample", "rule"], name="violation_once_per_rule"),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(reason_code__isnull=False),
                name="violation_ack_needs_reason",
                violation_error_message="An acknowledgement needs a reason code.",
            ),
        ]
        indexes = [
            models.Index(
                fields=["characteristic", "created_at"],
                condition=Q(acknowledged_at__isnull=True),
                name="violation_unacked",
            ),
            models.Index(fields=["characteristic", "rule", "created_at"], name="violation_char"),
            # A chart's violations: one range of its window's sample ids.
            models.Index(fields=["characteristic", "sample"], name="violation_char_sample"),
        ]

    def __str__(self) -> str:
        return f"Rule {self.rule} on sample {self.sample_id}"

    @property
    def is_acknowledged(self) -> bool:
        """True once an operator acknowledged this violation."""
        return self.acknowledged_at is not None


# --- Notifications (alerts.notifications) ----------------------------------------------

SEVERITY_RANK = {member.value: member.rank for member in Severity}
"""INFORMATIONAL 0 lies below every ``NotificationRule.min_severity``: never notified."""


def split_addresses(text: str) -> list[str]:
    """E-mail addresses from a text separated by commas, semicolons, spaces or lines."""
    return [a for a in re.split(r"[\s,;]+", text or "") if a]


def validate_addresses(text: str) -> None:
    """Refuse a list with an address that is not an e-mail address."""
    for address in split_addresses(text):
        try:
            validate_email(address)
        except ValidationError as exc:
            raise ValidationError(f"{address!r} is not an e-mail address.") from exc


def validate_rule_numbers(value: object) -> None:
    """Rule numbers are Nelson 1-8 or 101-108 (rule k on the secondary chart)."""
    if not isinstance(value, list) or any(
        isinstance(n, bool) or not isinstance(n, int) or n not in KNOWN_RULES for n in value
    ):
        raise ValidationError("A list of rule numbers 1-8 or 101-108, e.g. [1, 2]; empty for all.")


class WebhookEndpoint(models.Model):
    """A receiver of signed JSON POSTs (``X-OpenSPC-Signature``, see docs/contracts.md)."""

    name = models.CharField(max_length=100, unique=True)
    url = models.URLField(max_length=500)
    secret = models.CharField(
        max_length=200, help_text="Shared secret: the receiver checks the HMAC-SHA256 with it."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"


class NotificationRule(models.Model):
    """Who hears about which violations: a plant subtree, rule numbers and a severity, by
    e-mail and/or webhook; optionally escalated to a second list when still open."""

    class MinSeverity(models.TextChoices):
        WARNING = "WARNING", "Warning and critical"
        CRITICAL = "CRITICAL", "Critical only"

    name = models.CharField(max_length=100)
    node = models.ForeignKey(
        "hierarchy.Node",
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Violations of characteristics in this node's subtree.",
    )
    rules = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_rule_numbers],
        help_text="Rule numbers (1-8, 101-108); empty: every rule.",
    )
    min_severity = models.CharField(
        max_length=8, choices=MinSeverity.choices, default=MinSeverity.WARNING
    )
    email_recipients = models.TextField(
        blank=True, validators=[validate_addresses], help_text="E-mail addresses, one a line."
    )
    webhook = models.ForeignKey(
        WebhookEndpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="rules"
    )
    escalation_after_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Escalate a violation still unacknowledged this long."
    )
    escalation_recipients = models.TextField(
        blank=True, validators=[validate_addresses], help_text="E-mail addresses, one a line."
    )
    daily_digest = models.BooleanField(
        default=False,
        help_text="Also e-mail the recipients a daily digest of the subtree: open violations "
        "and characteristics whose Cpk is below target.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """A rule needs a channel; escalation needs both a delay and a list."""
        if not split_addresses(self.email_recipients) and self.webhook_id is None:
            raise ValidationError("Give e-mail recipients or a webhook endpoint.")
        if self.daily_digest and not split_addresses(self.email_recipients):
            raise ValidationError("The daily digest goes to the e-mail recipients: give some.")
        if bool(self.escalation_after_minutes) != bool(split_addresses(self.escalation_recipients)):
            raise ValidationError("Escalation needs both minutes and recipients (or neither).")

    def matches(self, path: str, rule: int, severity: str) -> bool:
        """Whether a violation of ``rule``/``severity`` at plant ``path`` is this rule's."""
        return (
            self.active
            and path.startswith(self.node.path)
            and (not self.rules or rule in self.rules)
            and SEVERITY_RANK.get(severity, 0) >= SEVERITY_RANK[self.min_severity]
        )


class Delivery(models.Model):
    """One message to one channel about one violation; retried until delivered or given up.

    Unique per (rule, violation, channel, kind): a repeated trigger never sends twice, and a
    delivered row is never sent again. ``event_id`` is the idempotency key receivers see.
    """

    class Channel(models.TextChoices):
        EMAIL = "EMAIL", "E-mail"
        WEBHOOK = "WEBHOOK", "Webhook"

    class Kind(models.TextChoices):
        RAISED = "RAISED", "Violation raised"
        ESCALATED = "ESCALATED", "Escalation"

    class Status(models.TextChoices):
        PENDING = "PENDING", "Pending"
        RETRYING = "RETRYING", "Retrying"
        DELIVERED = "DELIVERED", "Delivered"
        FAILED = "FAILED", "Failed (gave up)"
        CANCELLED = "CANCELLED", "Cancelled (acknowledged)"

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    rule = models.ForeignKey(
        NotificationRule, null=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    violation = models.ForeignKey(Violation, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.RAISED)
    endpoint = models.ForeignKey(
        WebhookEndpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target = models.CharField(max_length=1000, help_text="The URL or the recipients.")
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "violation", "channel", "kind"], name="delivery_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["PENDING", "RETRYING"]),
                name="delivery_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.get_channel_display()} to {self.target[:60]}"


class DeliveryAttempt(models.Model):
    """One try of a delivery: HTTP status (or SMTP outcome), latency, response excerpt."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    ok = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.FloatField(default=0.0)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="delivery_attempt_once")
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"


# Corrective actions and when an acknowledgement needs one (issue 23), in their own module.
from alerts.corrective_actions import CorrectiveAction as CorrectiveAction  # noqa: E402
from alerts.corrective_actions import (  # noqa: E402
    CorrectiveActionRequirement as CorrectiveActionRequirement,
)
