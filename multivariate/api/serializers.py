"""Serializers of multivariate groups, their T² points and a limit calculation."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from multivariate.models import GroupMember, MultivariateGroup, T2Point
from multivariate.services import MAX_BASELINE


class MemberSerializer(serializers.ModelSerializer[GroupMember]):
    """A member characteristic, in T² vector order."""

    name = serializers.CharField(source="characteristic.name", read_only=True)

    class Meta:
        model = GroupMember
        fields = ["characteristic", "name", "position"]


class GroupSerializer(serializers.ModelSerializer[MultivariateGroup]):
    """A group with its members and stored phase I limits (null before the first
    calculation)."""

    members = MemberSerializer(many=True, read_only=True)

    class Meta:
        model = MultivariateGroup
        fields = [
            "id",
            "name",
            "hierarchy",
            "description",
            "members",
            "alpha",
            "phase",
            "active",
            "mean",
            "covariance",
            "inverse_covariance",
            "ucl",
            "phase_one_ucl",
            "baseline_count",
            "baseline",
            "limits_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ContributionSerializer(serializers.Serializer[Any]):
    """One member's share of a T² (MYT decomposition)."""

    characteristic_id = serializers.IntegerField()
    name = serializers.CharField()
    value = serializers.FloatField()
    unconditional = serializers.FloatField()
    conditional = serializers.FloatField()


class PointSerializer(serializers.ModelSerializer[T2Point]):
    """One stored T² point."""

    contributions = ContributionSerializer(many=True)
    top_contributors = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = T2Point
        fields = [
            "id",
            "timestamp",
            "values",
            "sample_ids",
            "t2",
            "ucl",
            "phase",
            "in_baseline",
            "signal",
            "top_contributors",
            "contributions",
        ]
        read_only_fields = fields


class CalculateLimitsSerializer(serializers.Serializer[Any]):
    """The baseline: the newest ``last_n`` complete observations, or those from ``start`` to
    ``end`` (default the newest 100)."""

    last_n = serializers.IntegerField(required=False, min_value=1, max_value=MAX_BASELINE)
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The end comes after the start."""
        if attrs.get("start") and attrs.get("end") and attrs["end"] < attrs["start"]:
            raise serializers.ValidationError(
                {"end": ["The end of the baseline is before its start."]}
            )
        return attrs


class LimitResultSerializer(serializers.Serializer[Any]):
    """What a calculation used and stored."""

    group = GroupSerializer()
    baseline_count = serializers.IntegerField()
    incomplete_count = serializers.IntegerField()
    phase_one_ucl = serializers.FloatField()
    phase_two_ucl = serializers.FloatField()
    ucl = serializers.FloatField()
    points = serializers.IntegerField()
    signals = serializers.IntegerField()
