"""Serializers of gauges, studies and readings (``/api/v1/msa/…``)."""

from __future__ import annotations

import math
from typing import Any

from rest_framework import serializers

from msa.models import Gauge, GaugeStudy, StudyKind, StudyMeasurement
from msa.study_rules import check_study


class GaugeSerializer(serializers.ModelSerializer[Gauge]):
    """A gauge with its calibration state and latest verdict."""

    calibration_overdue = serializers.BooleanField(read_only=True)
    latest_verdict = serializers.SerializerMethodField()

    class Meta:
        model = Gauge
        fields = [
            "id",
            "code",
            "name",
            "gauge_type",
            "kind",
            "resolution",
            "site",
            "location",
            "calibration_due",
            "calibration_overdue",
            "active",
            "latest_verdict",
        ]

    def get_latest_verdict(self, gauge: Gauge) -> str:
        """The verdict of the gauge's latest completed study ("" if none)."""
        study = gauge.latest_study
        return study.verdict if study else ""


class GaugeStudySerializer(serializers.ModelSerializer[GaugeStudy]):
    """A study's plan; the verdict fields are set by ``complete``."""

    class Meta:
        model = GaugeStudy
        fields = [
            "id",
            "gauge",
            "characteristic",
            "name",
            "kind",
            "method",
            "parts",
            "operators",
            "trials",
            "tolerance",
            "process_sigma",
            "study_multiplier",
            "alpha_to_remove",
            "reference",
            "part_references",
            "standard",
            "k_percent",
            "l_multiplier",
            "created_at",
            "completed_at",
            "verdict",
            "pct_grr",
            "ndc",
        ]
        read_only_fields = ["created_at", "completed_at", "verdict", "pct_grr", "ndc"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The study rules of :func:`msa.study_rules.check_study` as field errors."""
        merged = {**(self._current() if self.instance else {}), **attrs}
        errors = check_study(merged)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def _current(self) -> dict[str, Any]:
        instance = self.instance
        assert isinstance(instance, GaugeStudy)
        return {f: getattr(instance, f) for f in self.Meta.fields if hasattr(instance, f)}


class MeasurementSerializer(serializers.ModelSerializer[StudyMeasurement]):
    """One reading (variables) or rating (attribute) of one part, operator and trial."""

    entered_by = serializers.CharField(source="entered_by.username", read_only=True, default="")

    class Meta:
        model = StudyMeasurement
        fields = ["id", "part", "operator", "trial", "value", "rating", "entered_by", "entered_at"]
        read_only_fields = ["entered_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """In the study's range, a finite value (or a rating), and not entered before."""
        study: GaugeStudy = self.context["study"]
        errors: dict[str, str] = {}
        part, trial, operator = attrs["part"], attrs["trial"], attrs["operator"]
        if not 1 <= part <= study.parts:
            errors["part"] = f"Parts run from 1 to {study.parts}."
        if not 1 <= trial <= study.trials:
            errors["trial"] = f"Trials run from 1 to {study.trials}."
        if study.kind != StudyKind.TYPE1 and operator not in study.operators:
            errors["operator"] = f"{operator!r} is not one of the study's operators."
        value = attrs.get("value")
        if study.kind == StudyKind.ATTRIBUTE:
            if not attrs.get("rating"):
                errors["rating"] = "An attribute study records a rating."
        elif value is None or not math.isfinite(value):
            errors["value"] = "A finite measured value is required."
        if study.measurements.filter(part=part, trial=trial, operator=operator).exists():
            errors["non_field_errors"] = (
                f"Part {part}, trial {trial} of {operator} is already recorded."
            )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs
