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


class PendingReading(models.Model):
    """A reading in an open subgroup, stored so its MQTT message can be acknowledged.

    The ingest worker keeps the open subgroup of a characteristic with n > 1 (or a trigger)
    here. The transaction that stores the closed subgroup sets ``sample_id`` on its rows, so
    a worker restart reloads only open buffers, and a redelivered message whose reading is
    already here (open or stored) changes nothing. Stored rows are purged after a day.
    """

    characteristic = models.ForeignKey(
        "spc.Characteristic", on_delete=models.CASCADE, related_name="+"
    )
    value = models.FloatField()
    key = models.CharField(max_length=128, null=True, blank=True)  # noqa: DJ001
    timestamp = models.DateTimeField(null=True, blank=True)
    sample_size = models.FloatField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    sample_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["characteristic", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["characteristic", "key"],
                condition=models.Q(key__isnull=False),
                name="pending_reading_key_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.value} for characteristic {self.characteristic_id}"
