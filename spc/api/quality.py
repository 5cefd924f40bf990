"""REST endpoints of annotations and sample corrections (issue 23).

* ``/api/v1/annotations/`` — notes on a point or a time range of a chart: any role reads
  and adds one (as it enters samples); Engineers change and delete (``RolePermission``);
* ``POST /api/v1/samples/{id}/correct/`` — a signed correction (Engineer, QA Manager):
  ``measurements`` (or ``count``/``sample_size``), ``reason``, ``signature_password``;
  ``GET /api/v1/samples/{id}/corrections/`` — the sample's correction history.

Bad input is a 400 on its field (``InputError``/``ChangeRefused`` through
``openspc.api_errors``); every write is in the audit trail.
"""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hierarchy.api.filters import subtree_filter
from hierarchy.roles import ENGINEER, has_role
from hierarchy.scoping import scope_queryset
from openspc.api_filters import UTCIsoDateTimeFilter
from spc.api.serializers import signature_field
from spc.models import Characteristic, Sample
from spc.pipeline.annotations import add_annotation, change_annotation, remove_annotation
from spc.pipeline.corrections import correct_sample
from spc.quality_records import Annotation, SampleCorrection


class AnnotationSerializer(serializers.ModelSerializer[Annotation]):
    """A note on one point (``sample``) or the range ``start``..``end`` of a chart."""

    characteristic = serializers.PrimaryKeyRelatedField(queryset=Characteristic.objects.all())
    sample = serializers.PrimaryKeyRelatedField(
        queryset=Sample.objects.all(), required=False, allow_null=True
    )
    start = serializers.DateTimeField(required=False, allow_null=True)
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = Annotation
        fields = ["id", "characteristic", "sample", "start", "end", "kind", "text"]
        fields += ["created_by", "created_at"]
        read_only_fields = ["created_at"]

    def validate_characteristic(self, value: Characteristic) -> Characteristic:
        """Only characteristics of the user's sites; an annotation stays on its chart."""
        if self.instance is not None and value.pk != self.instance.characteristic_id:
            raise serializers.ValidationError("An annotation stays on its chart.")
        user = getattr(self.context.get("request"), "user", None)
        if not scope_queryset(Characteristic.objects.filter(pk=value.pk), user).exists():
            raise serializers.ValidationError("Unknown characteristic.")
        return value

    def create(self, validated: dict[str, Any]) -> Annotation:
        """Add through ``spc.pipeline.annotations`` (checked, audited, chart touched)."""
        char = validated.pop("characteristic")
        return add_annotation(char, user=self.context["request"].user, **validated)

    def update(self, instance: Annotation, validated: dict[str, Any]) -> Annotation:
        """Change through ``spc.pipeline.annotations`` (checked, audited, chart touched)."""
        validated.pop("characteristic", None)
        return change_annotation(instance, **validated)


class AnnotationFilter(django_filters.FilterSet):
    """By characteristic, subtree, kind and time."""

    hierarchy = subtree_filter("characteristic__hierarchy__path")
    start = UTCIsoDateTimeFilter(field_name="start", lookup_expr="gte")
    end = UTCIsoDateTimeFilter(field_name="start", lookup_expr="lte")

    class Meta:
        model = Annotation
        fields = ["characteristic", "sample", "kind", "hierarchy"]


class AnnotationViewSet(viewsets.ModelViewSet[Annotation]):
    """Annotations of charts: list, read, add (any role), change and delete (Engineers)."""

    queryset = Annotation.objects.select_related("created_by").order_by("start", "id")
    serializer_class = AnnotationSerializer
    filterset_class = AnnotationFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_destroy(self, instance: Annotation) -> None:
        remove_annotation(instance)


class CorrectionSerializer(serializers.ModelSerializer[SampleCorrection]):
    """One signed correction: values before and after, reason, signer."""

    corrected_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = SampleCorrection
        fields = ["id", "sample", "old_values", "new_values", "reason", "corrected_by"]
        fields += ["corrected_at", "signature_meaning", "recomputed_samples"]
        read_only_fields = fields


class CorrectRequestSerializer(serializers.Serializer[Any]):
    """A correction: the new measurements (variables) or count (attributes), signed."""

    measurements = serializers.ListField(
        child=serializers.FloatField(), required=False, help_text="One value per measurement."
    )
    count = serializers.FloatField(required=False, help_text="Attribute charts: defects.")
    sample_size = serializers.FloatField(required=False, help_text="Attribute charts.")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    signature_password = signature_field(True, "always")


class IsEngineer(BasePermission):
    """Engineers, QA Managers and Admins."""

    message = "Corrections are for Engineers and QA Managers."

    def has_permission(self, request: Request, view: Any) -> bool:
        return has_role(request.user, ENGINEER)


def _visible_sample(request: Request, pk: int) -> Sample:
    return get_object_or_404(scope_queryset(Sample.objects.all(), request.user), pk=pk)


class SampleCorrectView(APIView):
    """Correct a sample (signed) and judge it and the later samples again."""

    permission_classes = [IsEngineer]

    @extend_schema(request=CorrectRequestSerializer, responses={201: CorrectionSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Correct the sample: ``reason`` and ``signature_password`` are required."""
        sample = _visible_sample(request, pk)
        body = CorrectRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        correction = correct_sample(
            sample,
            user=request.user,
            password=data.get("signature_password"),
            reason=data.get("reason"),
            measurements=data.get("measurements"),
            count=data.get("count"),
            sample_size=data.get("sample_size"),
        )
        return Response(CorrectionSerializer(correction).data, status=status.HTTP_201_CREATED)


class SampleCorrectionsView(APIView):
    """A sample's corrections, newest first (the originals are the first one's old values)."""

    @extend_schema(responses=CorrectionSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        """The correction history of the sample."""
        sample = _visible_sample(request, pk)
        rows = SampleCorrection.objects.filter(sample=sample).select_related("corrected_by")
        return Response(CorrectionSerializer(rows, many=True).data)
