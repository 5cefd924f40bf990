"""REST endpoints of multivariate groups: list/detail, their T² points, calculate limits."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from hierarchy.scoping import scope_queryset
from multivariate.api.serializers import (
    CalculateLimitsSerializer,
    GroupSerializer,
    LimitResultSerializer,
    PointSerializer,
)
from multivariate.models import MultivariateGroup
from multivariate.services import calculate_limits
from openspc.api_permissions import ReadAnyWriteStaff

MAX_POINTS = 5000


class MultivariateGroupViewSet(viewsets.ReadOnlyModelViewSet[MultivariateGroup]):
    """Multivariate groups (Hotelling T²) of the user's sites; configured in the admin."""

    serializer_class = GroupSerializer
    permission_classes = [ReadAnyWriteStaff]
    filterset_fields = ["hierarchy", "active", "phase"]

    def get_queryset(self) -> QuerySet[MultivariateGroup]:
        """The user's sites only."""
        qs = MultivariateGroup.objects.prefetch_related("members__characteristic")
        return scope_queryset(qs, self.request.user, "hierarchy__path")

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "limit", int, description=f"Newest points (default 500, max {MAX_POINTS})."
            ),
            OpenApiParameter("signal", bool, description="Only points above the UCL."),
        ],
        responses=PointSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def points(self, request: Request, pk: str | None = None) -> Response:
        """The group's stored T² points, oldest first (the newest ``limit``)."""
        group = self.get_object()
        try:
            limit = max(1, min(int(request.query_params.get("limit", 500)), MAX_POINTS))
        except ValueError:
            limit = 500
        qs = group.points.order_by("-timestamp", "-id")
        if request.query_params.get("signal") in {"true", "1"}:
            qs = qs.filter(signal=True)
        rows = list(reversed(qs[:limit]))
        return Response(PointSerializer(rows, many=True).data)

    @extend_schema(
        request=CalculateLimitsSerializer,
        responses={
            200: LimitResultSerializer,
            400: OpenApiResponse(
                description="Bad baseline, with the field: `members` (not 2–10), `baseline` "
                "(m ≤ p complete observations, singular covariance: collinear or constant "
                "members), `last_n`, `start`, `end`."
            ),
        },
    )
    @action(detail=True, methods=["post"], url_path="calculate-limits")
    def calculate_limits(self, request: Request, pk: str | None = None) -> Response:
        """Fit phase I limits over a baseline, store them and restate the group's points
        (engineers)."""
        group = self.get_object()
        body = CalculateLimitsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data: dict[str, Any] = body.validated_data
        result = calculate_limits(group, user=request.user, **data)
        return Response(LimitResultSerializer(result).data)
