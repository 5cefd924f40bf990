"""REST endpoints of a short-run characteristic's part table (issue 20).

``/api/v1/characteristics/{characteristic_pk}/parts/``: each part number's ``target`` and
``sigma`` (required for Z-MR charts), read by any role, written by Engineers
(``ReadAnyWriteStaff``). Bad input is a 400 on its field (``PartTarget.clean`` and the
unique part number per characteristic); every write is in the audit trail
(``spc.PartTarget`` is in ``AUDIT_CONFIG_MODELS``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.generics import get_object_or_404

from hierarchy.scoping import scope_queryset
from openspc.api_permissions import ReadAnyWriteStaff
from spc.api.serializers import StrictFloatField
from spc.models import Characteristic, PartTarget
from spc.pipeline import chart_revisions


class PartTargetSerializer(serializers.ModelSerializer[PartTarget]):
    """One part number's nominal and known sigma on the characteristic of the URL."""

    target = StrictFloatField(help_text="The part's nominal, in the characteristic's unit.")
    sigma = StrictFloatField(
        required=False,
        allow_null=True,
        help_text="The part's known standard deviation (above 0); required for Z-MR charts.",
    )

    class Meta:
        model = PartTarget
        fields = ["id", "characteristic", "part_number", "target", "sigma"]
        read_only_fields = ["id", "characteristic"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The model's checks (``PartTarget.clean``) and one row per part number."""
        char: Characteristic = self.context["characteristic"]
        current = self.instance
        candidate = PartTarget(
            pk=current.pk if current is not None else None,
            characteristic=char,
            part_number=attrs.get("part_number", current.part_number if current else ""),
            target=attrs.get("target", current.target if current is not None else 0.0),
            sigma=attrs.get("sigma", current.sigma if current else None),
        )
        try:
            candidate.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        taken = PartTarget.objects.filter(characteristic=char, part_number=candidate.part_number)
        if current is not None:
            taken = taken.exclude(pk=current.pk)
        if taken.exists():
            raise serializers.ValidationError(
                {"part_number": [f"Part {candidate.part_number} is in the table already."]}
            )
        attrs["part_number"] = candidate.part_number
        return attrs


_CHARACTERISTIC = OpenApiParameter(
    "characteristic_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="Characteristic id."
)


@extend_schema_view(
    list=extend_schema(parameters=[_CHARACTERISTIC]),
    create=extend_schema(parameters=[_CHARACTERISTIC]),
    retrieve=extend_schema(parameters=[_CHARACTERISTIC]),
    update=extend_schema(parameters=[_CHARACTERISTIC]),
    partial_update=extend_schema(parameters=[_CHARACTERISTIC]),
    destroy=extend_schema(parameters=[_CHARACTERISTIC]),
)
class PartTargetViewSet(viewsets.ModelViewSet[PartTarget]):
    """The part table of a characteristic (DNOM and Z-MR charts judge samples by it)."""

    serializer_class = PartTargetSerializer
    permission_classes = [ReadAnyWriteStaff]
    ordering_fields = ["part_number", "id"]
    search_fields = ["part_number"]

    def _characteristic(self) -> Characteristic:
        """The URL's characteristic among those the user sees (else 404)."""
        cached = getattr(self, "_char", None)
        if cached is None:
            visible = scope_queryset(Characteristic.objects.all(), self.request.user)
            cached = get_object_or_404(visible, pk=self.kwargs["characteristic_pk"])
            self._char = cached
        return cached

    def get_queryset(self) -> QuerySet[PartTarget]:
        """The characteristic's rows, by part number."""
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return PartTarget.objects.none()
        return PartTarget.objects.filter(characteristic=self._characteristic()).order_by(
            "part_number", "id"
        )

    def get_serializer_context(self) -> dict[str, Any]:
        """The characteristic of the URL, for the serializer's checks."""
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False) and "characteristic_pk" in self.kwargs:
            context["characteristic"] = self._characteristic()
        return context

    def perform_create(self, serializer: PartTargetSerializer) -> None:  # type: ignore[override]
        """Add the row to the URL's characteristic; restated chart points may change."""
        serializer.save(characteristic=self._characteristic())
        chart_revisions.touch([self._characteristic().pk])

    def perform_update(self, serializer: PartTargetSerializer) -> None:  # type: ignore[override]
        """Change the row; restated chart points may change."""
        serializer.save()
        chart_revisions.touch([self._characteristic().pk])

    def perform_destroy(self, instance: PartTarget) -> None:
        """Remove the row; later samples of that part are refused until it is back."""
        instance.delete()
        chart_revisions.touch([self._characteristic().pk])
