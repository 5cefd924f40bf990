"""Serializers of limit recalculation, chart data and capability (responses and requests
of ``recalculate-limits``, ``chart-data`` and ``capability``)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from spc.api.serializers import MAX_ID, SampleViolationSerializer, signature_field
from spc.choices import VARIABLE_N_CHOICES
from spc.core.nonnormal import AUTO, CHOICES
from spc.core.widths import MAX_LIMIT_SIGMA


class RecalculateSerializer(serializers.Serializer[Any]):
    """Baseline choice for a recalculation."""

    last_n = serializers.IntegerField(required=False, min_value=2, max_value=10_000)
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)
    sample_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=10_000,
    )
    exclude_out_of_control = serializers.BooleanField(default=False)
    dry_run = serializers.BooleanField(default=False)
    evaluate_baseline = serializers.BooleanField(
        default=True,
        help_text="When the samples stored before any limits (Phase I) exist: give them "
        "these limits and check them with the rules in order, storing their violations.",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Why the limits change (required unless dry_run).",
    )
    signature_password = signature_field(False, "unless dry_run (storing the limits)")
    limit_sigma = serializers.FloatField(
        required=False,
        min_value=0.01,
        max_value=MAX_LIMIT_SIGMA,
        help_text="Limit width k: limits at CL ± k σ of the statistic (default: the "
        "characteristic's, normally 3); storing sets it on the characteristic.",
    )
    variable_n_method = serializers.ChoiceField(
        choices=VARIABLE_N_CHOICES,
        required=False,
        help_text="X-bar charts with varying subgroup sizes: UNBIASED (mean of s_i/c4(n_i) or "
        "R_i/d2(n_i)), POOLED (pooled standard deviation) or MONTGOMERY (X-bar S only: "
        "x-double-bar ± A3(n_i) s-bar, S chart B3(n_i)..B4(n_i) s-bar, pooled s-bar). "
        "Default: the characteristic's; storing sets it on the characteristic.",
    )


class LimitPreviewSerializer(serializers.Serializer[Any]):
    """Limits from a recalculation (stored or previewed)."""

    center_line = serializers.FloatField()
    ucl = serializers.FloatField()
    lcl = serializers.FloatField()
    sigma = serializers.FloatField()
    secondary_center_line = serializers.FloatField(allow_null=True)
    secondary_ucl = serializers.FloatField(allow_null=True)
    secondary_lcl = serializers.FloatField(allow_null=True)
    baseline_count = serializers.IntegerField()
    dropped_sample_ids = serializers.ListField(child=serializers.IntegerField())
    stored = serializers.BooleanField()
    sample_size_basis = serializers.CharField(
        allow_null=True,
        help_text="What sample size center_line/ucl/lcl are stated at: NOMINAL (every "
        "baseline sample had the nominal n) or AVERAGE (p, np, u: the baseline's sample sizes "
        "varied or differed from it); null for c charts. Points are judged at their own n.",
    )
    summary_sample_size = serializers.FloatField(
        allow_null=True, help_text="That sample size (null for c charts)."
    )
    phase_one_samples = serializers.IntegerField(
        help_text="Samples stored without limits (Phase I) that storing evaluates."
    )
    evaluate_baseline = serializers.BooleanField(
        help_text="Whether storing evaluates (evaluated) the Phase I samples."
    )
    baseline_violations = serializers.IntegerField(
        allow_null=True,
        help_text="Violations the baseline evaluation raised; null for a dry run or without it.",
    )
    superseded_violations = serializers.IntegerField(
        help_text="Open violations raised under the old limits that storing closes (closed) "
        "as superseded: acknowledged by the system with reason code SUPERSEDED."
    )
    limit_sigma = serializers.FloatField(help_text="The limit width k the limits are at.")
    variable_n_method = serializers.CharField(help_text="UNBIASED, POOLED or MONTGOMERY.")
    sigma_z = serializers.FloatField(
        allow_null=True,
        help_text="Laney's sigma-Z (P_LANEY, U_LANEY): MR-bar of the z-scores / 1.128; the "
        "limits are the p or u limits times it. Null for other charts.",
    )


class RangeSerializer(serializers.Serializer[Any]):
    """Optional time range (and point limit) of chart data and capability."""

    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=5000, default=500)


class CapabilityQuerySerializer(RangeSerializer):
    """Time range plus the non-normal study's model: ``distribution`` and Box-Cox ``lambda``."""

    distribution = serializers.ChoiceField(
        choices=[AUTO, *CHOICES],
        required=False,
        help_text="Adds the non-normal study (`nonnormal`): auto (the best fit by "
        "Anderson–Darling p), normal, lognormal, weibull, exponential, gamma, boxcox or "
        "johnson. The verdict then weighs the chosen model's fit and its percentile Ppk.",
    )

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        """The fields, with ``lambda`` (a Python keyword, so not a class attribute)."""
        fields = super().get_fields()
        fields["lambda"] = serializers.FloatField(
            required=False,
            min_value=-5,
            max_value=5,
            help_text="Box-Cox λ to use instead of the maximum-likelihood one (e.g. the "
            "rounded λ); with distribution boxcox or auto.",
        )
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """λ only applies to the Box-Cox transformation."""
        if attrs.get("lambda") is not None and attrs.get("distribution") not in (AUTO, "boxcox"):
            raise serializers.ValidationError(
                {"lambda": ["λ applies to the Box-Cox transformation: add distribution=boxcox."]}
            )
        return attrs


# Response shapes of the read-only actions: documentation for the OpenAPI schema (the views
# return the dicts that spc.charts.data and spc.reports.capability_study build).


class SecondaryLimitsSerializer(serializers.Serializer[Any]):
    """Limits of the R, S or MR chart."""

    center_line = serializers.FloatField(allow_null=True)
    ucl = serializers.FloatField(allow_null=True)
    lcl = serializers.FloatField(allow_null=True)


class ChartPointSerializer(serializers.Serializer[Any]):
    """One charted sample against its stage: the chart's statistic and the limits that
    judge it (stored with the point, or its stage's where it was stored before limits)."""

    id = serializers.IntegerField()
    timestamp = serializers.DateTimeField()
    value = serializers.FloatField(
        help_text="The chart's statistic: x-bar, x, p, np, c, u, z (STANDARDIZED), the EWMA "
        "statistic or CUSUM C+."
    )
    secondary_value = serializers.FloatField(allow_null=True, help_text="R, S or MR; CUSUM C-.")
    center_line = serializers.FloatField(allow_null=True)
    ucl = serializers.FloatField(allow_null=True)
    lcl = serializers.FloatField(allow_null=True)
    secondary_limits = SecondaryLimitsSerializer(
        allow_null=True, help_text="The R, S or MR limits of the point's stage."
    )
    z = serializers.FloatField(
        allow_null=True,
        help_text="Distance of the statistic from CL in its own sigma units (for a "
        "STANDARDIZED chart the plotted z itself); null without limits.",
    )
    zone = serializers.CharField(allow_null=True)
    n = serializers.FloatField(help_text="Measurements, or items inspected.")
    observed = serializers.FloatField(
        allow_null=True,
        help_text="What was measured, in the characteristic's unit: the subgroup mean (the "
        "value for individuals), the count (np, c), the proportion (p), defects per unit (u).",
    )
    is_undersized = serializers.BooleanField()
    is_excluded = serializers.BooleanField()
    stage = serializers.IntegerField(
        allow_null=True, help_text="Index into stages; null while there are no limits."
    )
    restated = serializers.BooleanField(
        help_text="Stored before limits: the statistic, limits and z are computed from the "
        "stored measurements with its stage's limits and settings."
    )
    violations = SampleViolationSerializer(many=True)
    corrected = serializers.BooleanField(
        help_text="The sample was corrected (signed); its history is in the audit trail."
    )


class ChartAnnotationSerializer(serializers.Serializer[Any]):
    """A note on one point (``sample_id``) or on a time range (``start``..``end``)."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    text = serializers.CharField()
    sample_id = serializers.IntegerField(allow_null=True)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(allow_null=True)
    created_by = serializers.CharField(allow_blank=True)


class StageSerializer(serializers.Serializer[Any]):
    """A stage of the chart: a stored limit set and the samples after it (the first stage
    also holds the samples collected before the first limits)."""

    number = serializers.IntegerField(help_text="1 for the first stage of the history.")
    limit_set = serializers.IntegerField(allow_null=True, help_text="Limit history row.")
    method = serializers.CharField(allow_null=True)
    start = serializers.DateTimeField(allow_null=True, help_text="When the limits were set.")
    created_by = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    after_sample_id = serializers.IntegerField(allow_null=True)
    chart_type = serializers.CharField()
    subgroup_mode = serializers.CharField()
    subgroup_size = serializers.IntegerField()
    center_line = serializers.FloatField(allow_null=True)
    ucl = serializers.FloatField(allow_null=True)
    lcl = serializers.FloatField(allow_null=True)
    sigma = serializers.FloatField(allow_null=True)
    secondary = SecondaryLimitsSerializer()
    ewma_lambda = serializers.FloatField()
    ewma_l = serializers.FloatField()
    cusum_k = serializers.FloatField()
    cusum_h = serializers.FloatField()
    target = serializers.FloatField(allow_null=True)
    limit_sigma = serializers.FloatField(allow_null=True, help_text="Limit width k.")
    variable_n_method = serializers.CharField(allow_null=True)
    sigma_z = serializers.FloatField(allow_null=True, help_text="Laney's sigma-Z (p′, u′).")


class ChartDataSerializer(serializers.Serializer[Any]):
    """Points oldest first (processing order) with the current limits and card state."""

    characteristic = serializers.JSONField(help_text="id, name, chart type, subgroup size ...")
    limits = serializers.JSONField(
        help_text="center_line, ucl, lcl, sigma, secondary {...}, usl, lsl, target, "
        "limit_sigma (k), variable_n_method, sigma_z (Laney p′/u′, else null)"
    )
    stages = StageSerializer(many=True, help_text="Stages of the points, oldest first.")
    points = ChartPointSerializer(many=True)
    state = serializers.CharField(help_text="NO_DATA, IN_CONTROL, WARNING or CRITICAL.")
    open_violations = serializers.DictField(child=serializers.IntegerField())
    last_timestamp = serializers.DateTimeField(allow_null=True)
    annotations = ChartAnnotationSerializer(many=True, help_text="Notes within the points' span.")


class FitRowSerializer(serializers.Serializer[Any]):
    """One row of the fit table."""

    distribution = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a response key, not Field.label
    parameters = serializers.DictField(child=serializers.FloatField())
    statistic = serializers.FloatField(allow_null=True, help_text="Anderson–Darling A².")
    p_value = serializers.FloatField(allow_null=True)
    p_bound = serializers.CharField(
        help_text="'>' or '<' when the p-value is only known to lie beyond p_value "
        "(Weibull, exponential, gamma tables), else ''."
    )
    p_text = serializers.CharField()
    error = serializers.CharField(help_text="Why the family was not fitted ('' if it was).")
    best = serializers.BooleanField()


class NonNormalSerializer(serializers.Serializer[Any]):
    """Non-normal capability: chosen model, fit table, percentile indices (ISO 22514-2)."""

    requested = serializers.CharField()
    distribution = serializers.CharField(help_text="The model used (the best fit for auto).")
    label = serializers.CharField()  # type: ignore[assignment]  # a response key, not Field.label
    family = serializers.CharField(help_text="Johnson family SB, SL or SU; '' otherwise.")
    best_fit = serializers.CharField(allow_null=True)
    parameters = serializers.DictField(child=serializers.FloatField())
    statistic = serializers.FloatField()
    p_value = serializers.FloatField()
    p_bound = serializers.CharField()
    p_text = serializers.CharField()
    acceptable = serializers.BooleanField(help_text="False when the fit is rejected (p < 0.05).")
    fits = FitRowSerializer(many=True)
    n = serializers.IntegerField()
    usl = serializers.FloatField(allow_null=True)
    lsl = serializers.FloatField(allow_null=True)
    one_sided = serializers.BooleanField()
    percentile_low = serializers.FloatField(help_text="X0.135 of the model.")
    median = serializers.FloatField()
    percentile_high = serializers.FloatField(help_text="X99.865 of the model.")
    pp = serializers.FloatField(allow_null=True, help_text="(USL − LSL)/(X99.865 − X0.135).")
    ppk = serializers.FloatField(allow_null=True, help_text="min(Ppu, Ppl) from the median.")
    ppu = serializers.FloatField(allow_null=True)
    ppl = serializers.FloatField(allow_null=True)
    index_verdict = serializers.CharField()
    ppm_expected = serializers.JSONField(help_text="below, above, total from the model.")
    ppm_observed = serializers.JSONField()
    transformed = serializers.JSONField(
        allow_null=True,
        help_text="Box-Cox/Johnson: usl, lsl, mean, sigma, pp, ppk, ppu, ppl on the "
        "transformed scale.",
    )
    plot = serializers.JSONField(
        help_text="Probability plot: values, y, percent, line_x, line_y, ticks, x_log, "
        "transformed, n."
    )
    curve_y = serializers.ListField(
        child=serializers.FloatField(),
        allow_null=True,
        help_text="The chosen model's density at histogram.curve_x, scaled to the counts "
        "(pdf·N·bin width), to draw over the histogram.",
    )


class CapabilitySerializer(serializers.Serializer[Any]):
    """A capability study over the included samples in the range (None where undefined)."""

    characteristic = serializers.JSONField()
    start = serializers.DateTimeField(allow_null=True)
    end = serializers.DateTimeField(allow_null=True)
    sample_count = serializers.IntegerField()
    excluded_count = serializers.IntegerField()
    n = serializers.IntegerField(help_text="Measurements in the study.")
    mean = serializers.FloatField()
    sigma_within = serializers.FloatField(allow_null=True)
    sigma_within_source = serializers.CharField(
        allow_null=True,
        help_text="estimated (the chart's estimator over the study's subgroups) or stored "
        "(the last limit calculation's sigma, when the study's subgroups give no estimate).",
    )
    sigma_within_method = serializers.CharField(
        help_text="Which sigma within, from which data, in words (e.g. 'σ within = R̄/d₂ "
        "from the study's 25 subgroups')."
    )
    sigma_overall = serializers.FloatField()
    cp = serializers.FloatField(allow_null=True)
    cpk = serializers.FloatField(allow_null=True)
    pp = serializers.FloatField(allow_null=True)
    ppk = serializers.FloatField(allow_null=True)
    cpm = serializers.FloatField(allow_null=True)
    cpu = serializers.FloatField(allow_null=True)
    cpl = serializers.FloatField(allow_null=True)
    ppu = serializers.FloatField(allow_null=True)
    ppl = serializers.FloatField(allow_null=True)
    cpk_lower = serializers.FloatField(allow_null=True)
    cpk_upper = serializers.FloatField(allow_null=True)
    confidence = serializers.FloatField()
    normality = serializers.JSONField(allow_null=True)
    histogram = serializers.JSONField()
    verdict = serializers.CharField(
        help_text="not in control, not normal, insufficient data, capable, marginal or "
        "not capable: stability and normality are weighed before the index."
    )
    index_verdict = serializers.CharField(help_text="What the index alone says.")
    verdict_text = serializers.CharField(help_text="The verdict as a sentence.")
    warnings = serializers.ListField(child=serializers.CharField())
    in_control = serializers.BooleanField(
        allow_null=True, help_text="None: no control limits to judge the range by."
    )
    is_normal = serializers.BooleanField(allow_null=True)
    stability = serializers.JSONField(
        help_text="open_violations, beyond_limits, judged, points, in_control over the range."
    )
    ppm_observed = serializers.JSONField(help_text="below, above, total: values outside.")
    ppm_within = serializers.JSONField(
        allow_null=True, help_text="below, above, total expected from N(mean, σ within)."
    )
    ppm_overall = serializers.JSONField(
        help_text="below, above, total expected from N(mean, σ overall)."
    )
    probability_plot = serializers.JSONField(
        help_text="Normal probability plot: values, z, percent, line_z, line_x, n."
    )
    verdict_basis = serializers.CharField()
    one_sided = serializers.BooleanField()
    usl = serializers.FloatField(allow_null=True)
    lsl = serializers.FloatField(allow_null=True)
    target = serializers.FloatField(allow_null=True)
    nonnormal = NonNormalSerializer(
        allow_null=True, help_text="The non-normal study; null without `distribution`."
    )
    nonnormal_error = serializers.CharField(
        help_text="Why no non-normal study was made (empty when it was, or not asked for)."
    )
