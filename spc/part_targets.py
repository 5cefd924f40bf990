"""The part table of a short-run characteristic (issue 20): each part number's target and
sigma, read by the DNOM and Z-MR charts (``spc.core.shortrun``).

A foreign key by name, so this module imports nothing of :mod:`spc.models` (which imports
it, to register the model).
"""

from __future__ import annotations

import math

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

PART_NUMBER_MAX = 60


class PartTarget(models.Model):
    """One part number's nominal (``target``) and known ``sigma`` on one characteristic.

    DNOM charts x - target; Z-MR charts (x - target) / sigma, so it needs the sigma.
    """

    characteristic = models.ForeignKey(
        "spc.Characteristic", on_delete=models.CASCADE, related_name="part_targets"
    )
    part_number = models.CharField(_("part number"), max_length=PART_NUMBER_MAX)
    target = models.FloatField(_("target"), help_text=_("The part's nominal, in the unit."))
    sigma = models.FloatField(
        _("sigma"),
        null=True,
        blank=True,
        help_text=_("The part's known standard deviation (required for Z-MR charts)."),
    )

    class Meta:
        ordering = ["characteristic", "part_number"]
        verbose_name = _("part target")
        constraints = [
            models.UniqueConstraint(
                fields=["characteristic", "part_number"],
                name="part_target_unique",
                violation_error_message=_("This part number is in the table already."),
            ),
            models.CheckConstraint(
                condition=Q(sigma__isnull=True) | Q(sigma__gt=0), name="part_target_sigma_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part_number}: {self.target:g}"

    def clean(self) -> None:
        """Finite numbers, a part number, and a sigma above 0 where the chart needs one."""
        errors: dict[str, str] = {}
        self.part_number = (self.part_number or "").strip()
        if not self.part_number:
            errors["part_number"] = str(_("A part number is required."))
        if self.target is not None and not math.isfinite(self.target):
            errors["target"] = str(_("The target must be a finite number."))
        if self.sigma is not None and not (math.isfinite(self.sigma) and self.sigma > 0):
            errors["sigma"] = str(_("Sigma must be a finite number above 0."))
        char = self.characteristic if self.characteristic_id is not None else None
        if char is not None and char.chart_type == "Z_MR" and self.sigma is None:
            errors["sigma"] = str(_("A Z-MR chart needs each part's sigma."))
        if errors:
            raise ValidationError(errors)
