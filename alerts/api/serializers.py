"""Serializers of violations, acknowledgements and reason codes."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from alerts.models import ReasonCode, Violation
from spc.core.rule_texts import rule_text

MAX_ID = 2**63 - 1  # the largest database id: a bigger one is a 400, not a driver overflow


class ReasonCodeSerializer(serializers.ModelSerializer[ReasonCode]):
    """An assignable cause an operator picks when acknowledging."""

    class Meta:
        model = ReasonCode
        fields = ["id", "code", "description", "category", "active"]


class ViolationSerializer(serializers.ModelSerializer[Violation]):
    """A rule completed by a sample, and its acknowledgement."""

    rule_name = serializers.SerializerMethodField()
    acknowledged = serializers.SerializerMethodField()
    acknowledged_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    reason_code: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    characteristic_name = serializers.CharField(source="characteristic.name", read_only=True)

    class Meta:
        model = Violation
        fields = [
            "id",
            "sample",
            "characteristic",
            "characteristic_name",
            "rule",
            "rule_name",
            "severity",
            "created_at",
            "involved_sample_ids",
            "episode",
            "acknowledged",
            "acknowledged_at",
            "acknowledged_by",
            "reason_code",
            "comment",
        ]
        read_only_fields = fields

    def get_rule_name(self, violation: Violation) -> str:
        """The rule's text as configured on the characteristic (``rule_text``)."""
        char = violation.characteristic
        return rule_text(violation.rule, char.rules, char.chart_type)

    def get_acknowledged(self, violation: Violation) -> bool:
        return violation.acknowledged_at is not None


class AcknowledgeSerializer(serializers.Serializer[Any]):
    """Acknowledge with a reason code and an optional comment."""

    reason_code = serializers.CharField(max_length=40)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    whole_episode = serializers.BooleanField(default=True)


class BatchAcknowledgeSerializer(AcknowledgeSerializer):
    """Acknowledge many violations (by id and/or episode) at once."""

    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=5000,
    )
    episode = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("ids") and not attrs.get("episode"):
            raise serializers.ValidationError({"ids": ["Give violation ids or an episode."]})
        return attrs


class AcknowledgeResultSerializer(serializers.Serializer[Any]):
    """What an acknowledgement changed."""

    acknowledged = serializers.ListField(child=serializers.IntegerField())
    characteristic_ids = serializers.ListField(child=serializers.IntegerField())


class ViolationStatsSerializer(serializers.Serializer[Any]):
    """Counts over the filtered violations, and the mean time to acknowledge."""

    total = serializers.IntegerField()
    acknowledged = serializers.IntegerField()
    unacknowledged = serializers.IntegerField(
        help_text="Open: waiting for an acknowledgement (INFORMATIONAL ones need none)."
    )
    by_rule = serializers.DictField(
        child=serializers.IntegerField(), help_text="Rule number (as text) to count."
    )
    by_severity = serializers.DictField(child=serializers.IntegerField())
    mean_time_to_acknowledge_seconds = serializers.FloatField(allow_null=True)
