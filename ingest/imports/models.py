"""The record of one file import: its mapping, what the preview found, the job's progress."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportState(models.TextChoices):
    """Where an import is: previewed, queued, running, done or failed."""

    PREVIEW = "PREVIEW", "Previewed"
    QUEUED = "QUEUED", "Queued"
    RUNNING = "RUNNING", "Running"
    DONE = "DONE", "Done"
    FAILED = "FAILED", "Failed"


class Import(models.Model):
    """One uploaded file: the stored copy, its column mapping, the problems found and the
    import job's progress (``ingest.imports.runner``)."""

    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=255)
    file_path = models.CharField(max_length=500, help_text="The stored copy of the upload.")
    file_sha256 = models.CharField(max_length=64)
    size_bytes = models.PositiveBigIntegerField(default=0)
    mapping = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=8, choices=ImportState.choices, default=ImportState.PREVIEW)
    rows_total = models.PositiveIntegerField(default=0, help_text="Data rows in the file.")
    rows_done = models.PositiveIntegerField(default=0, help_text="Rows the job has fed so far.")
    in_time_order = models.BooleanField(
        default=True, help_text="Each characteristic's rows were already in source-time order."
    )
    stored = models.PositiveIntegerField(default=0, help_text="Samples stored.")
    replayed = models.PositiveIntegerField(
        default=0, help_text="Samples stored before (re-import)."
    )
    refused = models.PositiveIntegerField(default=0, help_text="Subgroups the pipeline refused.")
    violations = models.PositiveIntegerField(default=0)
    problem_count = models.PositiveIntegerField(default=0)
    problems = models.JSONField(
        default=list, blank=True, help_text="[{row, column, message}], the first 1000."
    )
    message = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.filename}"

    @property
    def percent(self) -> int:
        """Progress of the job in percent (100 once finished)."""
        if self.state in (ImportState.DONE, ImportState.FAILED):
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(100 * self.rows_done / self.rows_total))

    @property
    def is_finished(self) -> bool:
        """Done or failed."""
        return self.state in (ImportState.DONE, ImportState.FAILED)

    def summary(self) -> dict[str, Any]:
        """The figures the API and the progress fragment show."""
        return {
            "rows_total": self.rows_total,
            "rows_done": self.rows_done,
            "stored": self.stored,
            "replayed": self.replayed,
            "refused": self.refused,
            "violations": self.violations,
            "problem_count": self.problem_count,
        }
