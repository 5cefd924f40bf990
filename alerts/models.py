"""Rule violations raised by samples, and the reason codes used to acknowledge them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from spc.choices import SEVERITY_CHOICES


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
    """One run rule completed by one sample."""

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
                condition=Q(rule__gte=1) & Q(rule__lte=8), name="violation_rule_1_to_8"
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
        ]

    def __str__(self) -> str:
        return f"Rule {self.rule} on sample {self.sample_id}"

    @property
    def is_acknowledged(self) -> bool:
        """True once an operator acknowledged this violation."""
        return self.acknowledged_at is not None


class AuditEntry(models.Model):
    """One recorded change: who did what to which object, when, from what to what, and why.

    Written only by :mod:`alerts.audit`; never changed or deleted afterwards. ``path`` is the
    hierarchy path of the object's place in the plant (empty for plant-wide objects such as
    reason codes), so the trail is scoped like everything else. A non-empty
    ``signature_meaning`` marks an electronically signed change: the user re-entered the
    password, and ``user``/``time`` are the signer and the moment of signing.
    """

    class Action(models.TextChoices):
        CREATE = "CREATE", "Created"
        CHANGE = "CHANGE", "Changed"
        DELETE = "DELETE", "Deleted"
        LIMITS = "LIMITS", "Limits changed"
        EXCLUDE = "EXCLUDE", "Sample excluded"
        INCLUDE = "INCLUDE", "Sample included"
        ACKNOWLEDGE = "ACKNOWLEDGE", "Acknowledged"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    time = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=12, choices=Action.choices)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    path = models.CharField(max_length=255, blank=True, db_index=True)
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    signature_meaning = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-time", "-id"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit trail"
        permissions = [("export_auditentry", "Can export the audit trail")]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_repr}"

    @property
    def is_signed(self) -> bool:
        """True when the change carries an electronic signature."""
        return bool(self.signature_meaning)
