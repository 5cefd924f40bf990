"""REST endpoints of gauges and gauge studies."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from hierarchy.scoping import scope_queryset
from msa.analysis import analyse, complete
from msa.api.serializers import GaugeSerializer, GaugeStudySerializer, MeasurementSerializer
from msa.models import Gauge, GaugeStudy
from openspc.api_permissions import ReadAnyWriteStaff, RolePermission


class GaugeViewSet(viewsets.ModelViewSet[Gauge]):
    """Gauges of the user's sites; engineers create and change them."""

    serializer_class = GaugeSerializer
    permission_classes = [ReadAnyWriteStaff]
    filterset_fields = ["site", "kind", "active"]

    def get_queryset(self) -> QuerySet[Gauge]:
        """The user's sites only."""
        return scope_queryset(Gauge.objects.select_related("site"), self.request.user, "site__path")


class GaugeStudyViewSet(viewsets.ModelViewSet[GaugeStudy]):
    """Studies; engineers plan and complete them, operators enter readings."""

    serializer_class = GaugeStudySerializer
    permission_classes = [ReadAnyWriteStaff]
    filterset_fields = ["gauge", "characteristic", "kind", "verdict"]

    def get_queryset(self) -> QuerySet[GaugeStudy]:
        """The studies of gauges in the user's sites."""
        qs = GaugeStudy.objects.select_related("gauge__site")
        return scope_queryset(qs, self.request.user, "gauge__site__path")

    def perform_create(self, serializer: Any) -> None:
        """Record who planned the study."""
        serializer.save(created_by=self.request.user)

    @extend_schema(request=MeasurementSerializer, responses=MeasurementSerializer(many=True))
    @action(detail=True, methods=["get", "post"], permission_classes=[RolePermission])
    def measurements(self, request: Request, pk: str | None = None) -> Response:
        """GET the readings; POST one reading (each part × operator × trial only once)."""
        study = self.get_object()
        if request.method == "GET":
            rows = study.measurements.select_related("entered_by")
            return Response(MeasurementSerializer(rows, many=True).data)
        serializer = MeasurementSerializer(data=request.data, context={"study": study})
        serializer.is_valid(raise_exception=True)
        serializer.save(study=study, entered_by=request.user)
        return Response(serializer.data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: OpenApiResponse(description="The analysis as JSON"), 400: None})
    @action(detail=True, methods=["get"])
    def results(self, request: Request, pk: str | None = None) -> Response:
        """The analysis of the readings so far, with the verdict; 400 naming what is wrong."""
        return Response(analyse(self.get_object()))

    @extend_schema(request=None, responses={200: GaugeStudySerializer, 400: None})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Analyse and store the verdict (engineers)."""
        study = self.get_object()
        complete(study)
        return Response(GaugeStudySerializer(study).data)
