"""A multivariate group (2–10 characteristics measured together), its phase I limits and
its stored T² points.

An *observation* of a group is one sample of every member characteristic with the same
source timestamp (``Sample.timestamp``, to the microsecond); each member contributes its
sample's mean (its value when n = 1). A timestamp where some members have a sample and
others not is *incomplete*: counted, never computed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from spc.core.hotelling import MAX_VARIABLES, MIN_VARIABLES

DEFAULT_ALPHA = 0.0027


class MultivariateGroup(models.Model):
    """Characteristics judged together by one Hotelling T² chart."""

    class Phase(models.IntegerChoices):
        ONE = 1, _("Phase I (beta limit: the points belong to the baseline study)")
        TWO = 2, _("Phase II (F limit: new points against the fitted baseline)")

    name = models.CharField(max_length=120)
    hierarchy = models.ForeignKey(
        "hierarchy.Node",
        on_delete=models.PROTECT,
        related_name="multivariate_groups",
        help_text=_("The plant node the group belongs to (its members' line or cell)."),
    )
    description = models.TextField(blank=True)
    characteristics: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "spc.Characteristic", through="GroupMember", related_name="multivariate_groups"
    )
    alpha = models.FloatField(
        "α",
        default=DEFAULT_ALPHA,
        help_text=_("False-alarm probability per point (0.0027 is the 3σ equivalent)."),
    )
    phase = models.PositiveSmallIntegerField(choices=Phase.choices, default=Phase.TWO)
    active = models.BooleanField(default=True)
    # Stored by "calculate phase I limits" (multivariate.services.calculate_limits).
    mean = models.JSONField(null=True, blank=True, help_text=_("Mean vector of the baseline."))
    covariance = models.JSONField(null=True, blank=True)
    inverse_covariance = models.JSONField(null=True, blank=True)
    ucl = models.FloatField("UCL", null=True, blank=True)
    phase_one_ucl = models.FloatField("phase I UCL", null=True, blank=True)
    baseline_count = models.PositiveIntegerField(default=0)
    baseline = models.JSONField(
        default=dict, blank=True, help_text=_("How the baseline was chosen.")
    )
    limits_at = models.DateTimeField(null=True, blank=True)
    limits_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(alpha__gt=0) & Q(alpha__lt=0.5),
                name="mvgroup_alpha_range",
                violation_error_message=_("α must be between 0 and 0.5."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_limits(self) -> bool:
        """True once phase I limits were calculated."""
        return self.mean is not None and self.covariance is not None and self.ucl is not None

    def member_list(self) -> list[Any]:
        """Member characteristics in the group's order."""
        return [m.characteristic for m in self.members.select_related("characteristic")]


class GroupMember(models.Model):
    """One characteristic of a group, at a fixed position in the T² vector."""

    group = models.ForeignKey(MultivariateGroup, on_delete=models.CASCADE, related_name="members")
    characteristic = models.ForeignKey(
        "spc.Characteristic", on_delete=models.PROTECT, related_name="multivariate_memberships"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "characteristic"],
                name="mvmember_unique",
                violation_error_message=_("A characteristic is a member of a group only once."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.characteristic}"

    def clean(self) -> None:
        """Only variables characteristics (measured values) can be members."""
        char = getattr(self, "characteristic", None)
        if char is not None and char.chart_type in {"P", "NP", "C", "U"}:
            raise ValidationError(
                {"characteristic": _("Only characteristics with measured values can be members.")}
            )


def check_member_count(count: int) -> None:
    """A group has 2 to 10 members (``ValidationError`` otherwise)."""
    if not MIN_VARIABLES <= count <= MAX_VARIABLES:
        raise ValidationError(
            _("A multivariate group has %(low)d to %(high)d members; this one has %(n)d."),
            params={"low": MIN_VARIABLES, "high": MAX_VARIABLES, "n": count},
        )


class T2Point(models.Model):
    """The T² of one complete observation of a group, judged against its UCL."""

    group = models.ForeignKey(MultivariateGroup, on_delete=models.CASCADE, related_name="points")
    timestamp = models.DateTimeField(help_text=_("The members' common source time."))
    values = models.JSONField(help_text=_("The observation: one value per member, in order."))
    sample_ids = models.JSONField(default=list)
    t2 = models.FloatField("T²")
    ucl = models.FloatField("UCL")
    phase = models.PositiveSmallIntegerField(choices=MultivariateGroup.Phase.choices)
    in_baseline = models.BooleanField(default=False)
    signal = models.BooleanField(default=False, help_text=_("T² strictly above the UCL."))
    contributions = models.JSONField(default=list)
    top_contributors = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["timestamp", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "timestamp"], name="t2point_unique_time")
        ]
        indexes = [models.Index(fields=["group", "-timestamp"], name="t2point_recent")]

    def __str__(self) -> str:
        return f"{self.group} T²={self.t2:.3f} @ {self.timestamp:%Y-%m-%d %H:%M:%S}"
