"""REST endpoints of violations and reason codes."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from alerts.api.serializers import (
    AcknowledgeResultSerializer,
    AcknowledgeSerializer,
    BatchAcknowledgeSerializer,
    ReasonCodeSerializer,
    ViolationSerializer,
    ViolationStatsSerializer,
)
from alerts.models import NEEDS_ACK, ReasonCode, Violation
from alerts.services import acknowledge
from hierarchy.api.filters import subtree_filter
from openspc.api_filters import UTCIsoDateTimeFilter
from openspc.api_permissions import ReadAnyWriteStaff
from spc.choices import SEVERITY_CHOICES


class ViolationFilter(django_filters.FilterSet):
    """By characteristic, hierarchy subtree, rule, severity, acknowledged, time range."""

    hierarchy = subtree_filter("characteristic__hierarchy__path")
    severity = django_filters.ChoiceFilter(choices=SEVERITY_CHOICES)
    acknowledged = django_filters.BooleanFilter(
        method="filter_acknowledged",
        help_text="true: acknowledged; false: open, waiting for an acknowledgement "
        "(INFORMATIONAL violations need none and are in neither).",
    )
    start = UTCIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    end = UTCIsoDateTimeFilter(field_name="created_at", lookup_expr="lte")

    class Meta:
        model = Violation
        fields = ["characteristic", "rule", "severity", "acknowledged", "episode", "hierarchy"]

    def filter_acknowledged(
        self, queryset: QuerySet[Violation], name: str, value: bool | None
    ) -> QuerySet[Violation]:
        """Acknowledged ones, or the open ones (``NEEDS_ACK``)."""
        if value is None:
            return queryset
        if value:
            return queryset.filter(acknowledged_at__isnull=False)
        return queryset.filter(NEEDS_ACK)


def _seconds(value: timedelta | None) -> float | None:
    return value.total_seconds() if value is not None else None


class ViolationViewSet(viewsets.ReadOnlyModelViewSet[Violation]):
    """Violations with filters; acknowledge one (and its episode) or many."""

    queryset = Violation.objects.select_related(
        "characteristic", "acknowledged_by", "reason_code"
    ).order_by("-id")
    serializer_class = ViolationSerializer
    filterset_class = ViolationFilter
    ordering_fields = ["id", "created_at", "rule", "severity"]

    @extend_schema(responses=ViolationStatsSerializer)
    @action(detail=False, methods=["get"])
    def stats(self, request: Request) -> Response:
        """Counts by rule, severity and acknowledgement, and mean time to acknowledge."""
        qs = self.filter_queryset(self.get_queryset()).order_by()
        by_rule = {str(r["rule"]): r["n"] for r in qs.values("rule").annotate(n=Count("id"))}
        by_severity = {r["severity"]: r["n"] for r in qs.values("severity").annotate(n=Count("id"))}
        acked = qs.filter(acknowledged_at__isnull=False)
        delay = acked.annotate(
            wait=ExpressionWrapper(
                F("acknowledged_at") - F("created_at"), output_field=DurationField()
            )
        ).aggregate(mean=Avg("wait"))["mean"]
        total = qs.count()
        acknowledged = acked.count()
        return Response(
            {
                "total": total,
                "acknowledged": acknowledged,
                "unacknowledged": qs.filter(NEEDS_ACK).count(),
                "by_rule": by_rule,
                "by_severity": by_severity,
                "mean_time_to_acknowledge_seconds": _seconds(delay),
            }
        )

    @extend_schema(request=AcknowledgeSerializer, responses=AcknowledgeResultSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        """Acknowledge this violation (and by default the rest of its episode)."""
        violation = self.get_object()
        params = AcknowledgeSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        result = acknowledge(
            [violation.pk],
            user=request.user,
            reason_code=data["reason_code"],
            comment=data["comment"],
            whole_episodes=data["whole_episode"],
        )
        return Response(AcknowledgeResultSerializer(result).data)

    @extend_schema(request=BatchAcknowledgeSerializer, responses=AcknowledgeResultSerializer)
    @action(detail=False, methods=["post"], url_path="batch-acknowledge")
    def batch_acknowledge(self, request: Request) -> Response:
        """Acknowledge many violations by id and/or a whole episode."""
        params = BatchAcknowledgeSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        ids = list(data.get("ids") or [])
        if data.get("episode"):
            ids += list(
                Violation.objects.filter(episode=data["episode"]).values_list("pk", flat=True)
            )
        result = acknowledge(
            ids,
            user=request.user,
            reason_code=data["reason_code"],
            comment=data["comment"],
            whole_episodes=data["whole_episode"],
        )
        return Response(AcknowledgeResultSerializer(result).data)


class ReasonCodeViewSet(viewsets.ModelViewSet[ReasonCode]):
    """Reason codes (assignable causes); engineers (staff) maintain them."""

    queryset = ReasonCode.objects.all()
    serializer_class = ReasonCodeSerializer
    permission_classes = [ReadAnyWriteStaff]
    filterset_fields = ["category", "active"]
    search_fields = ["code", "description"]
