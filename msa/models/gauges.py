"""A gauge: the instrument behind a characteristic's measurements."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone


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

    @property
    def hierarchy(self) -> Any:
        """The owning node, under the name the audit trail reads a record's place from."""
        return self.site

    @property
    def calibration_overdue(self) -> bool:
        """True when the calibration due date has passed."""
        return self.calibration_due is not None and self.calibration_due < timezone.localdate()

    @property
    def latest_study(self) -> Any:
        """The most recently completed study, or None."""
        return self.studies.filter(completed_at__isnull=False).order_by("-completed_at").first()

    @property
    def status_summary(self) -> dict[str, Any]:
        """What a chart page or card shows about the gauge behind it.

        ``level`` is ``ok``, ``warn`` (conditional study, or no study yet) or ``bad``
        (failing study or overdue calibration); ``text`` says why in a few words.
        """
        study = self.latest_study
        verdict = study.verdict if study else ""
        parts = []
        if study is None:
            parts.append("no completed study")
        else:
            label = verdict.lower() if verdict else "analysed"
            pct = f" · %GRR {study.pct_grr:.1f} %" if study.pct_grr is not None else ""
            parts.append(f"latest study {label}{pct}")
        if self.calibration_overdue:
            parts.append(f"calibration overdue since {self.calibration_due:%Y-%m-%d}")
        failing = verdict == "UNACCEPTABLE"
        if failing or self.calibration_overdue:
            level = "bad"
        elif verdict == "ACCEPTABLE":
            level = "ok"
        else:
            level = "warn"
        return {
            "gauge": self,
            "study": study,
            "verdict": verdict,
            "failing": failing,
            "overdue": self.calibration_overdue,
            "level": level,
            "text": "; ".join(parts),
        }
