"""Ingest bookkeeping: messages that could not be processed, and counters."""

from __future__ import annotations

from typing import Any

from django.db import connections, models, router
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
        cls.add({name: by})

    @classmethod
    def add(cls, amounts: dict[str, int]) -> None:
        """Add each amount to its counter (created at zero) with one upsert statement.

        Names go in sorted order, so two workers adding to the same counters lock their
        rows in the same order. The ingest worker calls this once per batch: a read and
        an update per counter were a sixth of a small batch's queries.
        """
        if not amounts:
            return
        connection = connections[router.db_for_write(cls)]
        table = connection.ops.quote_name(cls._meta.db_table)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        names = sorted(amounts)
        rows = ", ".join(["(%s, %s, %s)"] * len(names))
        params: list[Any] = []
        for name in names:
            params += [name, amounts[name], now]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (name, value, updated_at) VALUES {rows} "
                f"ON CONFLICT (name) DO UPDATE SET value = {table}.value + excluded.value, "
                "updated_at = excluded.updated_at",
                params,
            )


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
    # Short-run charts (issue 20): the reading's part number; a change closes the subgroup.
    part_number = models.CharField(max_length=60, blank=True)

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


# --- OPC UA (ingest.opcua) --------------------------------------------------------------


class OpcUaEndpoint(models.Model):
    """An OPC UA server the ``ingest_opcua`` worker subscribes to."""

    class Security(models.TextChoices):
        NONE = "", "None"
        SIGN = "Basic256Sha256,Sign", "Basic256Sha256 — sign"
        SIGN_ENCRYPT = "Basic256Sha256,SignAndEncrypt", "Basic256Sha256 — sign and encrypt"

    name = models.CharField(max_length=100, unique=True)
    url = models.CharField(
        max_length=300, help_text="opc.tcp://host:4840/path — the server's endpoint URL."
    )
    security_policy = models.CharField(
        max_length=40, choices=Security.choices, default=Security.NONE, blank=True
    )
    certificate_path = models.CharField(
        max_length=300, blank=True, help_text="Client certificate (PEM/DER) for a security policy."
    )
    private_key_path = models.CharField(max_length=300, blank=True)
    username = models.CharField(max_length=100, blank=True)
    password = models.CharField(max_length=200, blank=True)
    publishing_interval_ms = models.PositiveIntegerField(
        default=200, help_text="How often the server sends the changes it queued."
    )
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "OPC UA endpoint"

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"


class OpcUaNode(models.Model):
    """One OPC UA variable feeding one characteristic (each data change is a reading)."""

    endpoint = models.ForeignKey(OpcUaEndpoint, on_delete=models.CASCADE, related_name="nodes")
    node_id = models.CharField(
        max_length=300, help_text='The variable\'s node id, e.g. "ns=2;s=Line1.Press.Force".'
    )
    characteristic = models.ForeignKey(
        "spc.Characteristic", on_delete=models.CASCADE, related_name="+"
    )
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["endpoint", "node_id"]
        verbose_name = "OPC UA node"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "node_id"], name="opcua_node_once"),
            models.UniqueConstraint(fields=["characteristic"], name="opcua_one_node_per_char"),
        ]

    def __str__(self) -> str:
        return f"{self.node_id} → characteristic {self.characteristic_id}"


class OpcUaStatus(models.Model):
    """What the worker last knew of an endpoint's session (written by the worker)."""

    endpoint = models.OneToOneField(
        OpcUaEndpoint, on_delete=models.CASCADE, related_name="status", primary_key=True
    )
    connected = models.BooleanField(default=False)
    since = models.DateTimeField(null=True, blank=True, help_text="Connected or lost since.")
    last_value = models.CharField(max_length=200, blank=True)
    last_value_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    errors = models.PositiveBigIntegerField(default=0)
    reconnects = models.PositiveBigIntegerField(default=0)
    values = models.PositiveBigIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "OPC UA status"
        verbose_name_plural = "OPC UA statuses"

    def __str__(self) -> str:
        return f"{self.endpoint_id}: {'connected' if self.connected else 'disconnected'}"


# The import records live beside their package; Django finds models through this module.
from ingest.imports.models import Import, ImportState  # noqa: E402, F401
