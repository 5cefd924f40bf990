"""Records about a chart's data beside the data (issue 23): annotations and corrections.

* :class:`Annotation` — a note on one point or on a time range of a chart (tool change,
  new lot, calibration), shown on the chart and in the exports;
* :class:`SampleCorrection` — a signed correction of a stored measurement: the values
  before and after, the reason and the signer. The sample holds the corrected values; the
  originals stay here (and in the audit trail).

Foreign keys are by name, so this module imports nothing of :mod:`spc.models` (which
imports it, to register the models).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

TEXT_MAX = 500


class Annotation(models.Model):
    """A note on a chart: on one sample (``sample`` set, ``start`` its time) or on the
    range ``start``..``end``."""

    class Kind(models.TextChoices):
        TOOL_CHANGE = "TOOL_CHANGE", "Tool change"
        NEW_LOT = "NEW_LOT", "New lot"
        CALIBRATION = "CALIBRATION", "Calibration"
        MAINTENANCE = "MAINTENANCE", "Maintenance"
        OTHER = "OTHER", "Other"

    characteristic = models.ForeignKey(
        "spc.Characteristic", on_delete=models.CASCADE, related_name="annotations"
    )
    sample = models.ForeignKey(
        "spc.Sample",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="annotations",
        help_text="The point annotated (none: a time range).",
    )
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True, help_text="Empty for a point.")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.OTHER)
    text = models.CharField(max_length=TEXT_MAX)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["characteristic", "start"], name="annotation_char")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:60]}"

    def clean(self) -> None:
        """A range ends after it starts; a point annotation's sample is of the chart."""
        if self.end is not None and self.start is not None and self.end < self.start:
            raise ValidationError({"end": "The end must not be before the start."})
        sample = self.sample if self.sample_id is not None else None
        if sample is not None and sample.characteristic_id != self.characteristic_id:
            raise ValidationError({"sample": "The sample is of another characteristic."})


class SampleCorrection(models.Model):
    """One signed correction of a sample's measurements (variables) or count (attributes)."""

    sample = models.ForeignKey("spc.Sample", on_delete=models.CASCADE, related_name="corrections")
    characteristic = models.ForeignKey(
        "spc.Characteristic", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    old_values = models.JSONField(help_text="Measurements (or count, sample size) before.")
    new_values = models.JSONField(help_text="Measurements (or count, sample size) after.")
    reason = models.TextField()
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    corrected_at = models.DateTimeField(default=timezone.now)
    signature_meaning = models.CharField(max_length=120)
    recomputed_samples = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-corrected_at", "-id"]
        indexes = [models.Index(fields=["characteristic", "sample"], name="correction_char_sample")]

    def __str__(self) -> str:
        return f"Correction of sample {self.sample_id} @ {self.corrected_at:%Y-%m-%d %H:%M}"

    @property
    def before_text(self) -> str:
        """The values before, as a person reads them ("10.3; 10.1" or "3 of 50")."""
        return values_text(self.old_values)

    @property
    def after_text(self) -> str:
        """The values after, as a person reads them."""
        return values_text(self.new_values)


def values_text(values: dict[str, object]) -> str:
    """Measurements as "10.3; 10.1", an attribute sample as "count 3 of 50"."""
    measured = values.get("measurements")
    if isinstance(measured, list):
        return "; ".join(f"{v:g}" if isinstance(v, int | float) else str(v) for v in measured)
    count, size = values.get("count"), values.get("sample_size")
    return (
        f"count {count:g} of {size:g}"
        if isinstance(count, float) and isinstance(size, float)
        else f"count {count}"
    )
