"""Rule violations raised by samples, and the reason codes used to acknowledge them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from spc.choices import SEVERITY_CHOICES
from spc.core.types import SECONDARY_BEYOND_LIMITS


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
        """Violations nobody has acknowledged yet."""
        return self.filter(acknowledged_at__isnull=True)


class Violation(models.Model):
    """One run rule completed by one sample.

    ``rule`` is a Nelson rule 1-8 of the primary chart, or
    ``spc.core.types.SECONDARY_BEYOND_LIMITS`` (101): the sample's R, S or MR beyond its
    limits. Its text for people is ``spc.core.rule_texts.rule_text``.
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
    severity = models.CharField(max_length=8, choices=SEVERITY_CHOICES)
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
                condition=(Q(rule__gte=1) & Q(rule__lte=8)) | Q(rule=SECONDARY_BEYOND_LIMITS),
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
