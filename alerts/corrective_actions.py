"""Corrective actions (CAPA-lite, issue 23): what is done about a violation episode.

* :class:`CorrectiveAction` — opened from a violation (and so from its episode) with an
  owner, a due date, a status (open, in progress, verified, closed), a description and a
  cause (a reason code, for the Pareto of actions by cause);
* :class:`CorrectiveActionRequirement` — which violations (by rule, severity, and
  optionally characteristic) cannot be acknowledged before an action is open for them.

The services are in :mod:`alerts.capa`; ``alerts.models`` imports this module so Django
registers the models.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone

from spc.choices import SEVERITY_CHOICES


class CorrectiveAction(models.Model):
    """One corrective action of a violation episode."""

    class Status(models.TextChoices):
        OPEN = "OPEN", "Open"
        IN_PROGRESS = "IN_PROGRESS", "In progress"
        VERIFIED = "VERIFIED", "Verified"
        CLOSED = "CLOSED", "Closed"

    violation = models.ForeignKey(
        "alerts.Violation", on_delete=models.PROTECT, related_name="corrective_actions"
    )
    characteristic = models.ForeignKey(
        "spc.Characteristic", on_delete=models.CASCADE, related_name="corrective_actions"
    )
    episode = models.PositiveBigIntegerField(
        help_text="The episode covered (its first violation's id)."
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    cause = models.ForeignKey(
        "alerts.ReasonCode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrective_actions",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="corrective_actions"
    )
    due_date = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["characteristic", "episode"], name="capa_episode"),
            models.Index(fields=["status", "due_date"], name="capa_status_due"),
        ]

    def __str__(self) -> str:
        return f"CA-{self.pk}: {self.title}"

    @property
    def is_done(self) -> bool:
        """Verified or closed: no longer due."""
        return self.status in (self.Status.VERIFIED, self.Status.CLOSED)

    def is_overdue(self, today: date | None = None) -> bool:
        """Not done and past its due date."""
        return not self.is_done and self.due_date < (today or timezone.localdate())


class CorrectiveActionRequirement(models.Model):
    """Violations of this rule and/or severity (optionally of one characteristic) need a
    corrective action before they can be acknowledged. Empty fields match anything."""

    rule = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Nelson rule 1-8, or 101-108 (rule 1-8 on R/S/MR)."
    )
    severity = models.CharField(max_length=16, choices=SEVERITY_CHOICES, blank=True)
    characteristic = models.ForeignKey(
        "spc.Characteristic",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Empty: every characteristic.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["rule", "severity", "id"]
        verbose_name = "corrective action requirement"

    def __str__(self) -> str:
        rule = f"rule {self.rule}" if self.rule else "any rule"
        severity = self.get_severity_display() if self.severity else "any severity"
        where = str(self.characteristic) if self.characteristic_id else "every characteristic"
        return f"{rule}, {severity}, {where}"

    def matches(self, rule: int, severity: str, characteristic_id: int) -> bool:
        """True when a violation with these values needs an action under this requirement."""
        return (
            self.active
            and self.rule in (None, rule)
            and self.severity in ("", severity)
            and self.characteristic_id in (None, characteristic_id)
        )
