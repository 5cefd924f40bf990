"""Serializers of characteristics and samples (thin: no statistics here)."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from openspc.api_errors import django_validation_body
from spc.api.rule_presets import settle_preset
from spc.core.errors import InputError
from spc.core.rule_texts import rule_text
from spc.core.rules import ruleset_from_mapping
from spc.core.subgroup import SPREAD_MINIMUM, check_min_measurements
from spc.core.types import ChartType
from spc.jobs.policies import POLICY_MAX
from spc.limit_settings import width_change_error
from spc.models import Characteristic, Sample
from spc.pipeline.processing import MAX_MEASUREMENTS, measurement_values

# One name per line would push this module past 400 lines.
# fmt: off
CHARACTERISTIC_FIELDS = [
    "id", "name", "description", "hierarchy", "unit", "decimal_places", "active", "chart_type",
    "subgroup_size", "subgroup_mode", "min_measurements", "warn_below_count", "usl", "lsl",
    "target", "plausible_low", "plausible_high", "center_line", "ucl", "lcl", "sigma",
    "secondary_center_line", "secondary_ucl", "secondary_lcl", "rules", "ewma_lambda", "ewma_l",
    "cusum_k", "cusum_h", "provider", "mqtt_topic", "sparkplug_group", "sparkplug_edge_node",
    "sparkplug_device", "sparkplug_metric", "trigger_strategy", "trigger_tag",
    "buffer_timeout_seconds", "partial_policy", "mqtt_rate_limit", "mqtt_max_held",
    "mqtt_backpressure", "sampling_interval_minutes", "retention_days", "recalc_every_days",
    "late_horizon", "limit_sigma", "variable_n_method", "rule_preset",
    "created_at", "updated_at",
]
# fmt: on


# The largest database id (signed 64-bit): a bigger one is a 400, not a driver overflow.
MAX_ID = 2**63 - 1
# Measurements and counts beyond this magnitude are refused: sums, squares and moving ranges
# of values near the float maximum overflow to infinity, which could be neither charted
# nor rendered as JSON.
MAX_MAGNITUDE = 1e15


class StrictFloatField(serializers.FloatField):
    """A JSON number only: no strings, booleans, NaN, infinities or absurd magnitudes."""

    default_error_messages = {
        "invalid": "A number is required.",
        "not_finite": "A finite number is required.",
        "too_large": f"A number between {-MAX_MAGNITUDE:g} and {MAX_MAGNITUDE:g} is required.",
    }

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        if isinstance(data, int) and abs(data) > MAX_MAGNITUDE:
            self.fail("too_large")  # before float(): a huge int would overflow there
        if not math.isfinite(data):
            self.fail("not_finite")
        if abs(data) > MAX_MAGNITUDE:
            self.fail("too_large")
        return super().to_internal_value(data)


class CharacteristicSerializer(serializers.ModelSerializer[Characteristic]):
    """A characteristic with its chart, spec and control limits, rules and data source.

    ``rules`` maps rule numbers (1-8) to settings: ``{"1": {"severity": "CRITICAL"},
    "2": {"severity": "WARNING", "length": 9}}``; a rule absent (or ``"enabled": false``)
    is off. Severity INFORMATIONAL, WARNING or CRITICAL; ``length``, ``count`` and ``sigma``
    override Nelson's parameters. ``rules["secondary"]`` (same form) lists the rules judged
    on the R, S or MR pane (stored as rule 100 + k); without it, rule 1 only. ``rule_preset``
    names the published preset and version the rules were set from ("AIAG@1", see
    ``GET /api/v1/rule-presets/``): writing it sets the rules to the preset (the R/S/MR
    entry kept); writing ``rules`` that differ from it clears it.
    The policies ``sampling_interval_minutes``, ``retention_days`` and
    ``recalc_every_days`` are positive integers up to ``spc.jobs.policies.POLICY_MAX``, or null
    (off).
    """

    sampling_interval_minutes = serializers.IntegerField(
        min_value=1,
        max_value=POLICY_MAX["sampling_interval_minutes"],
        allow_null=True,
        required=False,
        help_text="Expected minutes between samples (due at last sample + interval, "
        "overdue a quarter interval later); null: no schedule.",
    )
    retention_days = serializers.IntegerField(
        min_value=1,
        max_value=POLICY_MAX["retention_days"],
        allow_null=True,
        required=False,
        help_text="Purge samples older than this many days (never the limit baseline or "
        "samples with open violations); null: keep forever.",
    )
    recalc_every_days = serializers.IntegerField(
        min_value=1,
        max_value=POLICY_MAX["recalc_every_days"],
        allow_null=True,
        required=False,
        help_text="Recalculate the control limits every this many days; null: never.",
    )

    class Meta:
        model = Characteristic
        fields = CHARACTERISTIC_FIELDS
        read_only_fields = ["created_at", "updated_at"]

    def validate_rules(self, value: Any) -> Any:
        try:
            ruleset_from_mapping(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Apply the model's constraints (USL > LSL, n >= 1, ...) as field errors, and the
        chart's minimum subgroup size (X-bar R/S: min_measurements >= 2) when the chart
        type or the minimum is set."""
        self._check_min_measurements(attrs)
        chart = attrs.get("chart_type", getattr(self.instance, "chart_type", ChartType.I_MR))
        refused = width_change_error(self.instance, attrs, chart)
        if refused is not None:
            raise serializers.ValidationError({refused.field: [refused.message]})
        settle_preset(self.instance, attrs)
        if self.instance is not None:
            data = {f.name: getattr(self.instance, f.name) for f in Characteristic._meta.fields}
            data.pop("id")
            candidate = Characteristic(pk=self.instance.pk, **{**data, **attrs})
        else:
            candidate = Characteristic(**attrs)
        # An update checks uniqueness against the other rows, not against itself.
        candidate._state.adding = self.instance is None
        try:
            candidate.full_clean(exclude=["revision"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError(django_validation_body(exc)) from exc
        return attrs

    def _check_min_measurements(self, attrs: dict[str, Any]) -> None:
        """A new X-bar R/S characteristic without ``min_measurements`` gets 2; an explicit
        value below 2 is refused on that field. An existing row is checked only when its
        chart type or minimum changes, so an older row stays writable."""
        if self.instance is None:
            chart = ChartType(attrs.get("chart_type", ChartType.I_MR))
            attrs.setdefault("min_measurements", SPREAD_MINIMUM.get(chart, (1, ""))[0])
        elif not {"chart_type", "min_measurements"} & set(attrs):
            return
        chart = ChartType(attrs.get("chart_type", getattr(self.instance, "chart_type", "")))
        minimum = attrs.get("min_measurements", getattr(self.instance, "min_measurements", 1))
        try:
            check_min_measurements(chart, minimum)
        except InputError as exc:
            raise serializers.ValidationError({exc.field: [exc.message]}) from exc


class SampleViolationSerializer(serializers.Serializer[Any]):
    """A violation as listed with its sample."""

    id = serializers.IntegerField()
    rule = serializers.IntegerField(
        help_text="Nelson rule 1-8, or 100 + k: rule k on the R, S or MR pane (101: beyond limits)."
    )
    rule_name = serializers.CharField(
        required=False, help_text="The rule as configured on the characteristic."
    )
    severity = serializers.CharField()
    acknowledged = serializers.BooleanField()


_datetime = serializers.DateTimeField().to_representation


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _username(user: Any) -> str | None:
    return user.username if user is not None else None


class SampleSerializer(serializers.ModelSerializer[Sample]):
    """A stored sample with its measurements and the violations it raised."""

    measurements = serializers.SerializerMethodField()
    violations = serializers.SerializerMethodField()
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    spec_confirmed_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Sample
        fields = [
            "id",
            "characteristic",
            "timestamp",
            "received_at",
            "source",
            "idempotency_key",
            "operator",
            "batch_number",
            "part_number",
            "created_by",
            "actual_n",
            "is_undersized",
            "measurements",
            "mean",
            "range",
            "std_dev",
            "count",
            "sample_size",
            "value",
            "secondary_value",
            "center_line",
            "ucl",
            "lcl",
            "z_score",
            "zone",
            "is_excluded",
            "exclusion_reason",
            "out_of_spec",
            "spec_confirmed_by",
            "violations",
        ]
        read_only_fields = fields

    def get_measurements(self, sample: Sample) -> list[float]:
        return measurement_values(sample)

    def to_representation(self, instance: Sample) -> dict[str, Any]:
        """The declared fields, built directly: a bulk response renders thousands of
        samples and DRF's per-field loop cost more than storing them. Same output as the
        generic path (``test_sample_representation_matches_drf`` holds them together)."""
        sample = instance
        creator = sample.created_by.username if sample.created_by else None
        return {
            "id": sample.pk,
            "characteristic": sample.characteristic_id,
            "timestamp": _datetime(sample.timestamp),
            "received_at": _datetime(sample.received_at),
            "source": sample.source,
            "idempotency_key": sample.idempotency_key,
            "operator": sample.operator,
            "batch_number": sample.batch_number,
            "part_number": sample.part_number,
            "created_by": creator,
            "actual_n": _float(sample.actual_n),
            "is_undersized": sample.is_undersized,
            "measurements": self.get_measurements(sample),
            "mean": _float(sample.mean),
            "range": _float(sample.range),
            "std_dev": _float(sample.std_dev),
            "count": _float(sample.count),
            "sample_size": _float(sample.sample_size),
            "value": _float(sample.value),
            "secondary_value": _float(sample.secondary_value),
            "center_line": _float(sample.center_line),
            "ucl": _float(sample.ucl),
            "lcl": _float(sample.lcl),
            "z_score": _float(sample.z_score),
            "zone": sample.zone,
            "is_excluded": sample.is_excluded,
            "exclusion_reason": sample.exclusion_reason,
            "out_of_spec": sample.out_of_spec,
            "spec_confirmed_by": _username(sample.spec_confirmed_by),
            "violations": self.get_violations(sample),
        }

    def generic_representation(self, instance: Sample) -> dict[str, Any]:
        """DRF's field-by-field rendering of the declared fields (for the test)."""
        return dict(super().to_representation(instance))

    @extend_schema_field(SampleViolationSerializer(many=True))
    def get_violations(self, sample: Sample) -> list[dict[str, Any]]:
        # The pipeline hands back the violations it stored: no query for a new sample.
        known = getattr(sample, "raised_violations", None)
        rows = known if known is not None else sample.violations.all()
        if not rows:
            return []
        char = sample.characteristic
        return [
            {
                "id": v.pk,
                "rule": v.rule,
                "rule_name": rule_text(v.rule, char.rules, char.chart_type),
                "severity": v.severity,
                "acknowledged": v.acknowledged_at is not None,
            }
            for v in rows
        ]


class SampleCreateSerializer(serializers.Serializer[Any]):
    """A subgroup to process: ``measurements`` for variables charts, or ``defects`` /
    ``defectives`` with ``sample_size`` for attribute charts."""

    # An id, not a related field: the pipeline loads the characteristic once, under its
    # row lock, and an unknown id becomes a 400 on this field there.
    characteristic = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    measurements = serializers.ListField(
        child=StrictFloatField(), required=False, max_length=MAX_MEASUREMENTS
    )
    defects = StrictFloatField(required=False, min_value=0)
    defectives = StrictFloatField(required=False, min_value=0)
    sample_size = StrictFloatField(required=False)
    timestamp = serializers.DateTimeField(required=False)
    batch_number = serializers.CharField(required=False, allow_blank=True, max_length=120)
    operator = serializers.CharField(required=False, allow_blank=True, max_length=120)
    idempotency_key = serializers.CharField(required=False, max_length=128)
    part_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=60,
        help_text="Short-run charts (DNOM, Z-MR): the part number; its target (and sigma) "
        "come from the characteristic's part table.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "defects" in attrs and "defectives" in attrs:
            raise serializers.ValidationError(
                {"defects": ["Give defects (c, u charts) or defectives (p, np), not both."]}
            )
        return attrs


class BulkItemResultSerializer(serializers.Serializer[Any]):
    """One item's result in a bulk submission, in the order the items were sent."""

    status = serializers.IntegerField(
        help_text="201 stored, 200 already stored under its idempotency_key, 400 refused."
    )
    id = serializers.IntegerField(
        required=False, help_text="The stored sample's id (status < 400, the default)."
    )
    violations = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="The violations the item raised: id, rule, severity (status < 400).",
    )
    sample = SampleSerializer(
        required=False, help_text="The whole stored sample (status < 400, ?return=samples)."
    )
    # Documentation only (the view builds these dicts): the field named ``errors`` hides
    # Serializer.errors, which this class never needs since it never validates.
    errors = serializers.JSONField(  # type: ignore[assignment]
        required=False, help_text="Field errors, as a single submission's 400 body."
    )


def signature_field(required: bool, when: str) -> serializers.CharField:
    """The ``signature_password`` of an electronic signature (write-only, never echoed)."""
    return serializers.CharField(
        write_only=True,
        required=required,
        trim_whitespace=False,
        max_length=4096,
        style={"input_type": "password"},
        help_text="Electronic signature: your password, re-entered (a wrong one refuses the "
        f"change with 400 on this field). Required {when}.",
    )


class ExclusionSerializer(serializers.Serializer[Any]):
    """Exclude a sample (reason required) or include it again; both are signed."""

    is_excluded = serializers.BooleanField()
    exclusion_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=255,
        help_text="Why the sample is excluded (required when excluding).",
    )
    signature_password = signature_field(True, "for every exclusion and re-inclusion")


class CharacteristicWriteSerializer(CharacteristicSerializer):
    """A characteristic as written: its fields plus ``reason`` and ``signature_password``,
    the electronic signature of a control-limit change."""

    # Documents the create/update body; the view reads the two from the body itself.

    reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Why the control limits change (required when they do).",
    )
    signature_password = signature_field(
        False, "when center_line, ucl, lcl, sigma or a secondary limit is set or changed"
    )

    class Meta(CharacteristicSerializer.Meta):
        fields = [*CHARACTERISTIC_FIELDS, "reason", "signature_password"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The signature is not a column: checked by the view, never saved."""
        attrs.pop("reason", None)
        attrs.pop("signature_password", None)
        return super().validate(attrs)
