"""Ingest bookkeeping: messages that could not be processed, and counters."""

from __future__ import annotations

from django.db import models
from django.db.models import F
from django.utils import timezone


class DeadLetter(models.Model):
    """A message that could not become a sample, kept with the reason so nothing is lost."""

    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    topic = models.CharField(max_length=512)
    payload = models.BinaryField()
    reason = models.CharField(max_length=40, db_index=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.reason} on {self.topic}"

    @property
    def payload_preview(self) -> str:
        """The first 200 bytes of the payload as text, undecodable bytes replaced."""
        return bytes(self.payload[:200]).decode("utf-8", errors="replace")


class IngestCounter(models.Model):
    """A monotonically increasing counter (dead letters per reason, drops, messages)."""

    name = models.CharField(max_length=80, unique=True)
    value = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"

    @classmethod
    def increment(cls, name: str, by: int = 1) -> None:
        """Add ``by`` to the counter ``name``, creating it at zero first."""
        counter, _ = cls.objects.get_or_create(name=name)
        cls.objects.filter(pk=counter.pk).update(value=F("value") + by, updated_at=timezone.now())
