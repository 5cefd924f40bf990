"""The audit trail's one model: an entry per recorded change."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def placed_within(paths: Iterable[str]) -> Q:
    """The filter keeping entries under any of the plant path prefixes (``"/1/4/"``) and the
    plant-wide ones (empty ``path``, e.g. about a reason code), which are always kept."""
    wanted = Q(path="")
    for prefix in paths:
        wanted |= Q(path__startswith=prefix)
    return wanted


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    """Reusable audit-trail queries."""

    def within(self, paths: Iterable[str] | None) -> AuditEntryQuerySet:
        """Entries placed under any of the plant ``paths``, plus the plant-wide ones;
        None means the whole plant (no filter)."""
        return self if paths is None else self.filter(placed_within(paths))


class AuditEntry(models.Model):
    """One recorded change: who did what to which object, when, from what to what, and why.

    Written only by :mod:`audit.trail` (and bulk writers that build the same rows); never
    changed or deleted afterwards. ``path`` is the hierarchy path of the object's place in
    the plant (empty for plant-wide objects such as reason codes), so the trail is scoped
    like everything else. A non-empty ``signature_meaning`` marks an electronically signed
    change: the user re-entered the password, and ``user``/``time`` are the signer and the
    moment of signing.
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

    objects = AuditEntryQuerySet.as_manager()

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
