"""Per-plant verdict thresholds (AIAG defaults: 10 % / 30 %, ndc ≥ 5)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, Q

from spc.core.msa.verdict import Thresholds


class MsaThresholds(models.Model):
    """The %GRR and ndc limits one plant (a site node and everything below) applies."""

    site = models.OneToOneField(
        "hierarchy.Node", on_delete=models.CASCADE, related_name="msa_thresholds"
    )
    acceptable_below = models.FloatField("acceptable below (%GRR)", default=10.0)
    unacceptable_above = models.FloatField("unacceptable above (%GRR)", default=30.0)
    min_ndc = models.PositiveSmallIntegerField("minimum ndc", default=5)

    class Meta:
        verbose_name = "MSA thresholds"
        verbose_name_plural = "MSA thresholds"
        constraints = [
            models.CheckConstraint(
                condition=Q(acceptable_below__gt=0)
                & Q(unacceptable_above__gte=F("acceptable_below")),
                name="msa_thresholds_ordered",
                violation_error_message="The unacceptable limit must not be below the "
                "acceptable one, and both must be positive.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.site}: {self.acceptable_below:g} % / {self.unacceptable_above:g} %"

    def as_core(self) -> Thresholds:
        """The core's :class:`Thresholds`."""
        return Thresholds(self.acceptable_below, self.unacceptable_above, self.min_ndc)

    @classmethod
    def for_node(cls, node: Any) -> Thresholds:
        """The thresholds of the nearest node at or above ``node`` that has some, else AIAG's."""
        ids = [int(p) for p in node.path.strip("/").split("/") if p]
        found = {t.site_id: t for t in cls.objects.filter(site_id__in=ids)}
        for node_id in reversed(ids):
            if node_id in found:
                return found[node_id].as_core()
        return Thresholds()
