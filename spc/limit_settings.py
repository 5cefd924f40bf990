"""The limit width k and the variable-n method of a characteristic (issue 20): fields and
constraints kept here so ``spc.models`` stays small; ``Characteristic`` inherits them and
``LimitSet`` copies them with every limit change (``LimitSet.STAGE_SETTINGS``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from spc.choices import VARIABLE_N_CHOICES
from spc.core.errors import InputError
from spc.core.types import DEFAULT_LIMIT_SIGMA, ChartType, VariableNMethod
from spc.core.widths import MAX_LIMIT_SIGMA, check_limit_sigma, check_variable_n_method


def validate_limit_sigma(value: float) -> None:
    """The field's check (0 < k <= 6) as a Django validation error on ``limit_sigma``."""
    try:
        check_limit_sigma(value)
    except InputError as exc:
        raise ValidationError(exc.message) from exc


class LimitWidthFields(models.Model):
    """How wide the control limits are and how X-bar charts handle varying n."""

    limit_sigma = models.FloatField(
        "limit width k (σ)",
        default=DEFAULT_LIMIT_SIGMA,
        validators=[validate_limit_sigma],
        help_text="Control limits at CL ± k σ of the plotted statistic (above 0, at most 6; "
        "default 3). Rule 1 fires beyond them. Set by a recalculation once limits are set.",
    )
    variable_n_method = models.CharField(
        "variable-n method",
        max_length=12,
        choices=VARIABLE_N_CHOICES,
        default=VariableNMethod.UNBIASED.value,
        help_text="X̄ charts whose subgroup sizes vary: how σ and the limits of each n_i "
        "are found (Montgomery's A3(n_i)·s̄ needs an X̄-S chart).",
    )

    class Meta:
        abstract = True


LIMIT_WIDTH_CONSTRAINTS = [
    models.CheckConstraint(
        condition=Q(limit_sigma__gt=0) & Q(limit_sigma__lte=MAX_LIMIT_SIGMA),
        name="char_limit_sigma_range",
        violation_error_message="The limit width k must be above 0 and at most 6.",
    ),
    models.CheckConstraint(
        condition=Q(variable_n_method__in=[m.value for m in VariableNMethod]),
        name="char_variable_n_method",
    ),
]


WIDTH_SETTINGS = ("limit_sigma", "variable_n_method")
LIMIT_VALUE_COLUMNS = ("center_line", "ucl", "lcl", "sigma")


def width_change_error(
    instance: Any, new: dict[str, Any], chart_type: str | None
) -> InputError | None:
    """Why a characteristic edit may not change its width settings, or None.

    ``new`` holds the edited fields. Montgomery's method needs an X-bar S chart. A
    characteristic whose limits stay in force keeps the width they were computed at: a
    new k or method comes with a recalculation (which stores both), or with limits
    entered by hand in the same edit (they are at the new width).
    """
    method = new.get("variable_n_method", getattr(instance, "variable_n_method", None))
    if chart_type in set(ChartType) and method in set(VariableNMethod):
        try:
            check_variable_n_method(ChartType(chart_type), VariableNMethod(method))
        except InputError as exc:
            return exc
    if instance is None or getattr(instance, "pk", None) is None or not instance.has_limits:
        return None
    changed = [n for n in WIDTH_SETTINGS if n in new and new[n] != getattr(instance, n)]
    limits_edited = any(n in new and new[n] != getattr(instance, n) for n in LIMIT_VALUE_COLUMNS)
    if not changed or limits_edited or new.get("center_line", instance.center_line) is None:
        return None
    return InputError(
        changed[0],
        f"The limits in force were computed at {instance.limit_sigma:g}σ with the "
        f"{instance.variable_n_method.lower()} method: recalculate the limits to change it "
        "(the recalculation takes the width and method and stores them with the limits).",
    )
