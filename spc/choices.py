"""Django choices derived from the core enums, so the core stays the single source of truth."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from spc.core.types import ChartType, Severity, SubgroupMode, VariableNMethod

CHART_TYPE_LABELS = {
    ChartType.XBAR_R: _("X̄-R (mean and range)"),
    ChartType.XBAR_S: _("X̄-S (mean and standard deviation)"),
    ChartType.I_MR: _("I-MR (individuals and moving range)"),
    ChartType.P: _("p (proportion defective)"),
    ChartType.NP: _("np (number defective)"),
    ChartType.C: _("c (defects per unit, constant area)"),
    ChartType.U: _("u (defects per unit, varying area)"),
    ChartType.EWMA: _("EWMA (small shifts)"),
    ChartType.CUSUM: _("CUSUM (small shifts)"),
    ChartType.P_LANEY: _("Laney p′ (proportion defective, large samples)"),
    ChartType.U_LANEY: _("Laney u′ (defects per unit, large samples)"),
    ChartType.DNOM: _("DNOM (short run: deviation from each part's nominal)"),
    ChartType.Z_MR: _("Z-MR (short run: standardized individuals per part)"),
}
SUBGROUP_MODE_LABELS = {
    SubgroupMode.NOMINAL_TOLERANCE: "Nominal n, smaller subgroups tolerated",
    SubgroupMode.VARIABLE_LIMITS: "Variable limits per subgroup size (funnel)",
    SubgroupMode.STANDARDIZED: "Standardized (z) chart",
}

VARIABLE_N_LABELS = {
    VariableNMethod.UNBIASED: _("Average of s_i/c4(n_i) (R_i/d2(n_i)): CL ± kσ/√n_i"),
    VariableNMethod.POOLED: _("Pooled standard deviation: CL ± kσ/√n_i"),
    VariableNMethod.MONTGOMERY: _("Montgomery: x̿ ± A3(n_i)·s̄, S chart B3(n_i)·s̄..B4(n_i)·s̄"),
}

CHART_TYPE_CHOICES = [(member.value, CHART_TYPE_LABELS[member]) for member in ChartType]
SUBGROUP_MODE_CHOICES = [(member.value, SUBGROUP_MODE_LABELS[member]) for member in SubgroupMode]
VARIABLE_N_CHOICES = [(member.value, VARIABLE_N_LABELS[member]) for member in VariableNMethod]
SEVERITY_CHOICES = [(member.value, member.value.title()) for member in Severity]


class Provider(models.TextChoices):
    """Where a characteristic's measurements come from."""

    MANUAL = "MANUAL", "Manual entry"
    MQTT = "MQTT", "MQTT / Sparkplug B"


class TriggerStrategy(models.TextChoices):
    """How MQTT readings are grouped into subgroups."""

    ON_CHANGE = "ON_CHANGE", "Each reading is a measurement; close at nominal n"
    ON_TRIGGER = "ON_TRIGGER", "Accumulate until the trigger tag fires"


class PartialPolicy(models.TextChoices):
    """What the ingest worker does with a partial subgroup when its buffer times out."""

    KEEP = "KEEP", "Keep it (flagged undersized when below the warning count)"
    DISCARD = "DISCARD", "Discard it (counted as a dead letter)"


class Backpressure(models.TextChoices):
    """What the ingest worker does when a rate-limited topic has its most messages held."""

    DROP_OLDEST = "DROP_OLDEST", "Drop the oldest held message (kept as a dead letter)"
    BLOCK = "BLOCK", "Block: stop reading from the broker until the topic's turn comes"


class SampleSource(models.TextChoices):
    """Which provider stored a sample."""

    MANUAL = "MANUAL", _("Manual entry")
    REST = "REST", "REST API"
    MQTT = "MQTT", "MQTT"
    OPCUA = "OPCUA", "OPC UA"
    IMPORT = "IMPORT", _("Import")


class SampleArrival(models.TextChoices):
    """How a sample arrived relative to the stored series (``spc.pipeline.late``)."""

    IN_ORDER = "", "In order"
    LATE = "LATE", "Late, re-evaluated"
    HORIZON = "HORIZON", "Late beyond the horizon, not re-evaluated"


class LimitMethod(models.TextChoices):
    """How a control-limit change came about."""

    RECALCULATED = "RECALCULATED", "Recalculated from a baseline"
    MANUAL = "MANUAL", "Entered by hand"
    CLEARED = "CLEARED", "Cleared (back to Phase I)"
