"""Characteristics, samples with their measurements, and the control-limit history."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from spc.choices import (
    CHART_TYPE_CHOICES,
    SUBGROUP_MODE_CHOICES,
    Backpressure,
    LimitMethod,
    PartialPolicy,
    Provider,
    SampleArrival,
    SampleSource,
    TriggerStrategy,
)
from spc.core.types import ChartType, SubgroupMode
from spc.limit_settings import LIMIT_WIDTH_CONSTRAINTS, LimitWidthFields
from spc.part_targets import PART_NUMBER_MAX

NELSON_DEFAULT_RULES: dict[str, dict[str, Any]] = {
    "1": {"severity": "CRITICAL"},
    "2": {"severity": "WARNING"},
    "3": {"severity": "WARNING"},
    "4": {"severity": "WARNING"},
    "5": {"severity": "WARNING"},
    "6": {"severity": "WARNING"},
    "7": {"severity": "WARNING"},
    "8": {"severity": "WARNING"},
}


def default_rules() -> dict[str, dict[str, Any]]:
    """All eight Nelson rules on: rule 1 critical, the run rules warnings."""
    return {key: dict(value) for key, value in NELSON_DEFAULT_RULES.items()}


class CharacteristicQuerySet(models.QuerySet["Characteristic"]):
    """Reusable characteristic queries."""

    def in_subtree(self, node: Any) -> CharacteristicQuerySet:
        """Characteristics attached to ``node`` or any node below it."""
        return self.filter(hierarchy__path__startswith=node.path)

    def active(self) -> CharacteristicQuerySet:
        """Characteristics that accept samples."""
        return self.filter(active=True)


class Characteristic(LimitWidthFields):
    """A measured quality characteristic with its chart, limits, rules and data source."""

    hierarchy = models.ForeignKey(
        "hierarchy.Node", on_delete=models.PROTECT, related_name="characteristics"
    )
    name = models.CharField(max_length=120)
    # A string reference: spc never imports msa (msa sits above spc).
    gauge = models.ForeignKey(
        "msa.Gauge",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="characteristics",
        help_text="The gauge that measures it; its latest study verdict shows on the chart.",
    )
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=20, blank=True)
    decimal_places = models.PositiveSmallIntegerField(default=3)
    active = models.BooleanField(default=True)

    chart_type = models.CharField(max_length=8, choices=CHART_TYPE_CHOICES, default="I_MR")
    subgroup_size = models.PositiveIntegerField(default=1, help_text="Nominal subgroup size n.")
    subgroup_mode = models.CharField(
        max_length=20, choices=SUBGROUP_MODE_CHOICES, default="NOMINAL_TOLERANCE"
    )
    min_measurements = models.PositiveIntegerField(
        default=1, help_text="Fewest measurements a subgroup may have."
    )
    warn_below_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="Subgroups smaller than this are flagged undersized."
    )

    usl = models.FloatField("USL", null=True, blank=True)
    lsl = models.FloatField("LSL", null=True, blank=True)
    target = models.FloatField(null=True, blank=True)
    # Reasonable limits: the pipeline refuses a value outside them (spc.core.plausibility).
    plausible_low = models.FloatField("plausible minimum", null=True, blank=True)
    plausible_high = models.FloatField("plausible maximum", null=True, blank=True)

    center_line = models.FloatField(null=True, blank=True)
    ucl = models.FloatField("UCL", null=True, blank=True)
    lcl = models.FloatField("LCL", null=True, blank=True)
    sigma = models.FloatField(
        null=True, blank=True, help_text="Sigma of one observation from the last recalculation."
    )
    secondary_center_line = models.FloatField(null=True, blank=True)
    secondary_ucl = models.FloatField(null=True, blank=True)
    secondary_lcl = models.FloatField(null=True, blank=True)

    rules = models.JSONField(default=default_rules, blank=True)
    rule_preset = models.CharField(
        max_length=40,
        blank=True,
        default="",
        help_text="The published rule set (and its version, e.g. AIAG@1) the rules were set "
        "from (spc.core.rule_presets); empty once they are edited by hand.",
    )
    ewma_lambda = models.FloatField("EWMA λ", default=0.2)
    ewma_l = models.FloatField("EWMA L", default=3.0)
    cusum_k = models.FloatField("CUSUM k", default=0.5)
    cusum_h = models.FloatField("CUSUM h", default=5.0)

    provider = models.CharField(max_length=8, choices=Provider.choices, default=Provider.MANUAL)
    mqtt_topic = models.CharField("MQTT topic", max_length=255, blank=True)
    sparkplug_group = models.CharField(max_length=120, blank=True)
    sparkplug_edge_node = models.CharField(max_length=120, blank=True)
    sparkplug_device = models.CharField(max_length=120, blank=True)
    sparkplug_metric = models.CharField(max_length=255, blank=True)
    trigger_strategy = models.CharField(
        max_length=12, choices=TriggerStrategy.choices, default=TriggerStrategy.ON_CHANGE
    )
    trigger_tag = models.CharField(max_length=255, blank=True)
    buffer_timeout_seconds = models.FloatField(default=60.0)
    partial_policy = models.CharField(
        max_length=8, choices=PartialPolicy.choices, default=PartialPolicy.KEEP
    )
    mqtt_rate_limit = models.FloatField(
        "MQTT rate limit",
        null=True,
        blank=True,
        validators=[MinValueValidator(0.001)],
        help_text="Most messages per second the worker takes from each of this "
        "characteristic's plain topics (up to one second's worth at once); the rest wait. "
        "Empty: no limit.",
    )
    mqtt_max_held = models.PositiveIntegerField(
        "MQTT messages held",
        default=1000,
        validators=[MinValueValidator(1)],
        help_text="Most messages of one topic waiting for the rate limit.",
    )
    mqtt_backpressure = models.CharField(
        "MQTT backpressure",
        max_length=12,
        choices=Backpressure.choices,
        default=Backpressure.DROP_OLDEST,
        help_text="When a topic has its most messages held.",
    )

    sampling_interval_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Expected minutes between samples; the dashboard shows due/overdue. "
        "Empty: no schedule.",
    )
    retention_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Purge samples older than this many days (never the limit baseline or "
        "samples with open violations). Empty: keep forever.",
    )
    recalc_every_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Recalculate the control limits from the recent samples every this many "
        "days. Empty: never.",
    )

    late_horizon = models.PositiveIntegerField(
        "late-sample horizon",
        default=1000,
        help_text="A sample older than the newest stored one is put in its place and the "
        "rules re-run over the samples after it, up to this many; further back it is "
        "stored and flagged, not re-evaluated. 0: never re-evaluate.",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveBigIntegerField(
        default=0,
        editable=False,
        help_text="Bumped when limits change or a sample is excluded, so every process "
        "rebuilds its rolling window.",
    )

    objects = CharacteristicQuerySet.as_manager()

    class Meta:
        ordering = ["hierarchy__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["hierarchy", "name"], name="char_name_unique_in_node"),
            models.CheckConstraint(
                condition=Q(usl__isnull=True) | Q(lsl__isnull=True) | Q(usl__gt=F("lsl")),
                name="char_usl_above_lsl",
                violation_error_message="USL must be greater than LSL.",
            ),
            models.CheckConstraint(
                condition=Q(plausible_low__isnull=True)
                | Q(plausible_high__isnull=True)
                | Q(plausible_high__gt=F("plausible_low")),
                name="char_plausible_high_above_low",
                violation_error_message="The plausible maximum must be above the minimum.",
            ),
            models.CheckConstraint(
                condition=Q(ucl__isnull=True) | Q(lcl__isnull=True) | Q(ucl__gt=F("lcl")),
                name="char_ucl_above_lcl",
                violation_error_message="UCL must be greater than LCL.",
            ),
            models.CheckConstraint(
                condition=Q(subgroup_size__gte=1), name="char_subgroup_size_positive"
            ),
            models.CheckConstraint(
                condition=Q(min_measurements__gte=1) & Q(min_measurements__lte=F("subgroup_size")),
                name="char_min_measurements_within_n",
                violation_error_message="min_measurements must be between 1 and the subgroup size.",
            ),
            models.CheckConstraint(
                condition=Q(warn_below_count__isnull=True)
                | Q(warn_below_count__lte=F("subgroup_size")),
                name="char_warn_below_within_n",
            ),
            models.CheckConstraint(
                condition=Q(sigma__isnull=True) | Q(sigma__gt=0), name="char_sigma_positive"
            ),
            models.CheckConstraint(
                condition=Q(ewma_lambda__gt=0) & Q(ewma_lambda__lte=1), name="char_ewma_lambda"
            ),
            models.CheckConstraint(
                condition=Q(chart_type__in=[c.value for c in ChartType]), name="char_chart_type"
            ),
            models.CheckConstraint(
                condition=Q(subgroup_mode__in=[m.value for m in SubgroupMode]),
                name="char_subgroup_mode",
            ),
            models.CheckConstraint(  # standardized individuals (issue 20)
                condition=~Q(chart_type="Z_MR") | Q(subgroup_size=1),
                name="char_z_mr_individuals",
                violation_error_message="A Z-MR chart charts individuals: set n to 1.",
            ),
            models.CheckConstraint(
                condition=Q(sampling_interval_minutes__isnull=True)
                | Q(sampling_interval_minutes__gte=1),
                name="char_sampling_interval_positive",
            ),
            models.CheckConstraint(
                condition=Q(retention_days__isnull=True) | Q(retention_days__gte=1),
                name="char_retention_days_positive",
            ),
            models.CheckConstraint(
                condition=Q(recalc_every_days__isnull=True) | Q(recalc_every_days__gte=1),
                name="char_recalc_every_days_positive",
            ),
            *LIMIT_WIDTH_CONSTRAINTS,
        ]
        indexes = [models.Index(fields=["provider", "active"], name="char_provider_active")]

    def __str__(self) -> str:
        return self.name

    @property
    def has_limits(self) -> bool:
        """True once control limits are set (Phase II); False while collecting a baseline."""
        return self.center_line is not None and self.ucl is not None and self.lcl is not None


class SampleQuerySet(models.QuerySet["Sample"]):
    """Reusable sample queries."""

    def included(self) -> SampleQuerySet:
        """Samples that count for limits, rules and capability."""
        return self.filter(is_excluded=False)


class Sample(models.Model):
    """One subgroup as processed by the pipeline, with the chart values it produced."""

    # Indexed by (characteristic, id) and (characteristic, timestamp) below: a third,
    # single-column index would only slow every insert.
    # PROTECT: a characteristic with data is deactivated, never deleted with its samples
    # (issue 23: a quality record leaves only through a recorded path).
    characteristic = models.ForeignKey(
        Characteristic, on_delete=models.PROTECT, related_name="samples", db_index=False
    )
    timestamp = models.DateTimeField(default=timezone.now, help_text="Source time.")
    received_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=8, choices=SampleSource.choices)
    # NULL, not "", means "no key", so the partial unique constraint skips it.
    idempotency_key = models.CharField(max_length=128, null=True, blank=True)  # noqa: DJ001
    operator = models.CharField(max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    batch_number = models.CharField(max_length=120, blank=True)

    actual_n = models.FloatField(help_text="Measurements in the subgroup, or items inspected.")
    is_undersized = models.BooleanField(default=False)
    mean = models.FloatField(null=True, blank=True)
    range = models.FloatField(null=True, blank=True)
    std_dev = models.FloatField(null=True, blank=True)
    count = models.FloatField(null=True, blank=True, help_text="Defects or defectives.")
    sample_size = models.FloatField(null=True, blank=True)

    value = models.FloatField(help_text="The plotted statistic.")
    secondary_value = models.FloatField(null=True, blank=True)
    center_line = models.FloatField(null=True, blank=True)
    ucl = models.FloatField("UCL", null=True, blank=True)
    lcl = models.FloatField("LCL", null=True, blank=True)
    z_score = models.FloatField(null=True, blank=True)
    zone = models.CharField(max_length=16, blank=True)
    state = models.JSONField(default=list, blank=True)

    # Set by the pipeline for every source: a measurement or the mean outside [LSL, USL].
    out_of_spec = models.BooleanField(default=False)
    spec_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_excluded = models.BooleanField(default=False)
    exclusion_reason = models.CharField(max_length=255, blank=True)
    # Set by ``spc.pipeline.late``: "" arrived in order, LATE put in its place with the
    # samples after it re-evaluated, HORIZON too far back: stored, not re-evaluated.
    arrival = models.CharField(max_length=8, blank=True, choices=SampleArrival.choices)
    # Short-run charts (issue 20): the part number, judged against its PartTarget.
    part_number = models.CharField(max_length=PART_NUMBER_MAX, blank=True)

    objects = SampleQuerySet.as_manager()

    class Meta:
        ordering = ["characteristic", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["characteristic", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="sample_idempotency_key_unique",
            ),
            models.CheckConstraint(condition=Q(actual_n__gt=0), name="sample_actual_n_positive"),
            models.CheckConstraint(
                condition=Q(count__isnull=True) | Q(count__gte=0), name="sample_count_nonneg"
            ),
        ]
        indexes = [
            models.Index(fields=["characteristic", "timestamp"], name="sample_char_time"),
            models.Index(fields=["characteristic", "id"], name="sample_char_id"),
            models.Index(
                fields=["characteristic", "id"], condition=Q(out_of_spec=True), name="sample_oos"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.characteristic_id}#{self.pk} @ {self.timestamp:%Y-%m-%d %H:%M:%S}"


class Measurement(models.Model):
    """One measured value inside a variables-chart sample."""

    # The unique (sample, position) index serves lookups by sample.
    sample = models.ForeignKey(
        Sample, on_delete=models.CASCADE, related_name="measurements", db_index=False
    )
    position = models.PositiveSmallIntegerField()
    value = models.FloatField()

    class Meta:
        ordering = ["sample", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "position"], name="measurement_position")
        ]

    def __str__(self) -> str:
        return f"{self.value}"


class LimitSet(models.Model):
    """One row of the control-limit history: who changed the limits, when, how, from what."""

    characteristic = models.ForeignKey(
        Characteristic, on_delete=models.CASCADE, related_name="limit_history"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    method = models.CharField(max_length=12, choices=LimitMethod.choices)
    center_line = models.FloatField(null=True, blank=True)
    ucl = models.FloatField("UCL", null=True, blank=True)
    lcl = models.FloatField("LCL", null=True, blank=True)
    sigma = models.FloatField(null=True, blank=True)
    secondary_center_line = models.FloatField(null=True, blank=True)
    secondary_ucl = models.FloatField(null=True, blank=True)
    secondary_lcl = models.FloatField(null=True, blank=True)
    subgroup_size = models.PositiveIntegerField(default=1)
    baseline = models.JSONField(default=dict, blank=True, help_text="How the baseline was chosen.")
    baseline_count = models.PositiveIntegerField(default=0)
    exclude_out_of_control = models.BooleanField(default=False)
    dropped_sample_ids = models.JSONField(default=list, blank=True)
    reason = models.TextField(blank=True)
    # A limit set starts a stage of the chart: what follows lets the chart redraw the
    # stage's points with the settings they were judged by, whatever changed since.
    after_sample_id = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="Newest sample of the characteristic when these limits were stored: the "
        "stage starts after it (empty: before the first sample).",
    )
    chart_type = models.CharField(max_length=8, choices=CHART_TYPE_CHOICES, blank=True)
    subgroup_mode = models.CharField(max_length=20, choices=SUBGROUP_MODE_CHOICES, blank=True)
    ewma_lambda = models.FloatField("EWMA λ", null=True, blank=True)
    ewma_l = models.FloatField("EWMA L", null=True, blank=True)
    cusum_k = models.FloatField("CUSUM k", null=True, blank=True)
    cusum_h = models.FloatField("CUSUM h", null=True, blank=True)
    target = models.FloatField(null=True, blank=True)
    limit_sigma = models.FloatField("limit width k (σ)", null=True, blank=True)
    variable_n_method = models.CharField(max_length=12, blank=True)
    sigma_z = models.FloatField("Laney σ_Z", null=True, blank=True)

    STAGE_SETTINGS = (
        "chart_type",
        "subgroup_mode",
        "subgroup_size",
        "ewma_lambda",
        "ewma_l",
        "cusum_k",
        "cusum_h",
        "target",
        "limit_sigma",
        "variable_n_method",
    )
    """The characteristic's settings a limit set keeps (copied when it is stored)."""

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "control-limit change"
        indexes = [models.Index(fields=["characteristic", "-created_at"], name="limitset_char")]

    def __str__(self) -> str:
        return f"{self.characteristic} limits @ {self.created_at:%Y-%m-%d %H:%M}"


# Models in their own modules: the part table of short-run charts (issue 20), annotations
# and signed corrections (issue 23).
from spc.part_targets import PartTarget as PartTarget  # noqa: E402
from spc.quality_records import Annotation as Annotation  # noqa: E402
from spc.quality_records import SampleCorrection as SampleCorrection  # noqa: E402
