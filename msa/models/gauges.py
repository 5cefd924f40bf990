"""A gauge: the instrument behind a characteristic's measurements."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Gauge(models.Model):
    """A measuring instrument with its resolution, place and calibration due date."""

    class Kind(models.TextChoices):
        VARIABLE = "VARIABLE", "Variable (measures a value)"
        ATTRIBUTE = "ATTRIBUTE", "Attribute (go / no-go)"

    code = models.SlugField("gauge id", max_length=60, unique=True)
    name = models.CharField(max_length=120)
    gauge_type = models.CharField(max_length=120, blank=True, help_text="e.g. micrometer, CMM.")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.VARIABLE)
    resolution = models.FloatField(null=True, blank=True, help_text="Smallest readable step.")
    site = models.ForeignKey(
        "hierarchy.Node",
        on_delete=models.PROTECT,
        related_name="gauges",
        help_text="The plant node (site or below) that owns the gauge.",
    )
    location = models.CharField(max_length=120, blank=True)
    calibration_due = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolution__isnull=True) | Q(resolution__gt=0),
                name="gauge_resolution_positive",
                violation_error_message="The resolution must be positive.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"
