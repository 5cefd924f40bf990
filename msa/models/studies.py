"""Gauge studies and the measurements entered into them, one row per reading."""

from __future__ import annotations

import random
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q


class StudyKind(models.TextChoices):
    """What a study is; the REST contract's spelling."""

    CROSSED = "CROSSED", "Crossed gauge R&R"
    NESTED = "NESTED", "Nested gauge R&R (destructive)"
    TYPE1 = "TYPE1", "Type 1 gauge study"
    LINEARITY = "LINEARITY", "Linearity and bias"
    ATTRIBUTE = "ATTRIBUTE", "Attribute agreement"


class CrossedMethod(models.TextChoices):
    """How a crossed study is analysed."""

    ANOVA = "ANOVA", "ANOVA"
    AVERAGE_RANGE = "AVERAGE_RANGE", "Average and range (AIAG)"


class GaugeStudy(models.Model):
    """A planned study: the gauge, parts, operators and trials, and its outcome once analysed."""

    gauge = models.ForeignKey("msa.Gauge", on_delete=models.CASCADE, related_name="studies")
    characteristic = models.ForeignKey(
        "spc.Characteristic",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="gauge_studies",
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=StudyKind.choices, default=StudyKind.CROSSED)
    method = models.CharField(
        max_length=14, choices=CrossedMethod.choices, default=CrossedMethod.ANOVA
    )
    parts = models.PositiveSmallIntegerField(default=10)
    operators = models.JSONField(
        default=list, help_text="Operator names (user names when they enter their own readings)."
    )
    trials = models.PositiveSmallIntegerField(default=3)
    tolerance = models.FloatField(null=True, blank=True, help_text="USL − LSL.")
    process_sigma = models.FloatField("process σ", null=True, blank=True)
    study_multiplier = models.FloatField(default=6.0, help_text="6 (99.73 %) or 5.15 (99 %).")
    alpha_to_remove = models.FloatField(default=0.05)
    reference = models.FloatField(null=True, blank=True, help_text="Type 1: the master's value.")
    part_references = models.JSONField(
        default=dict, blank=True, help_text="Linearity: {part number: reference value}."
    )
    standard = models.JSONField(
        default=dict, blank=True, help_text="Attribute: {part number: the correct rating}."
    )
    k_percent = models.FloatField("K (%)", default=20.0)
    l_multiplier = models.FloatField("L", default=6.0)
    seed = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    verdict = models.CharField(max_length=12, blank=True)
    pct_grr = models.FloatField("%GRR", null=True, blank=True)
    ndc = models.PositiveIntegerField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(parts__gte=1), name="study_parts_positive"),
            models.CheckConstraint(condition=Q(trials__gte=1), name="study_trials_positive"),
            models.CheckConstraint(
                condition=Q(tolerance__isnull=True) | Q(tolerance__gt=0),
                name="study_tolerance_positive",
            ),
            models.CheckConstraint(
                condition=Q(process_sigma__isnull=True) | Q(process_sigma__gt=0),
                name="study_process_sigma_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Draw the run-order seed once."""
        if not self.seed:
            self.seed = random.SystemRandom().randint(1, 2**31 - 1)
        super().save(*args, **kwargs)

    @property
    def hierarchy(self) -> Any:
        """The gauge's node: where the audit trail files this study."""
        return self.gauge.site

    @property
    def is_complete(self) -> bool:
        """True once analysed with a verdict."""
        return self.completed_at is not None

    def run_order(self, operator: str) -> list[tuple[int, int]]:
        """``(part, trial)`` in the operator's randomised order: every trial in turn, the
        parts shuffled afresh for each (AIAG: randomise the order within each trial)."""
        order: list[tuple[int, int]] = []
        for trial in range(1, self.trials + 1):
            parts = list(range(1, self.parts + 1))
            random.Random(f"{self.seed}:{operator}:{trial}").shuffle(parts)
            order.extend((part, trial) for part in parts)
        return order


class StudyMeasurement(models.Model):
    """One reading (or attribute rating) of one part by one operator in one trial."""

    study = models.ForeignKey(GaugeStudy, on_delete=models.CASCADE, related_name="measurements")
    part = models.PositiveSmallIntegerField()
    operator = models.CharField(max_length=150)
    trial = models.PositiveSmallIntegerField()
    value = models.FloatField(null=True, blank=True)
    rating = models.CharField(max_length=40, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["study", "operator", "trial", "part"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "part", "operator", "trial"], name="study_measurement_once"
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | ~Q(rating=""), name="study_measurement_has_data"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.study_id} part {self.part} {self.operator} #{self.trial}"
