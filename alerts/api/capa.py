"""REST endpoints of corrective actions (``/api/v1/corrective-actions/``).

Any role reads and opens an action from a violation (as it acknowledges); its owner or an
Engineer changes it (PATCH); nobody deletes one. Writes go through :mod:`alerts.capa`, so
bad input is a 400 on its field and every change is in the audit trail.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from alerts import capa
from alerts.corrective_actions import CorrectiveAction
from alerts.models import ReasonCode, Violation
from hierarchy.api.filters import subtree_filter
from hierarchy.roles import ENGINEER, OPERATOR, has_role
from hierarchy.scoping import scope_queryset


class CorrectiveActionSerializer(serializers.ModelSerializer[CorrectiveAction]):
    """A corrective action; ``owner`` by username, ``cause`` by reason-code slug."""

    violation = serializers.PrimaryKeyRelatedField(queryset=Violation.objects.all())
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model()._default_manager.filter(is_active=True)
    )
    cause = serializers.SlugRelatedField(
        slug_field="code",
        queryset=ReasonCode.objects.all(),
        required=False,
        allow_null=True,
    )
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = CorrectiveAction
        fields = [
            "id",
            "violation",
            "characteristic",
            "episode",
            "title",
            "description",
            "cause",
            "owner",
            "due_date",
            "status",
            "overdue",
            "created_by",
            "created_at",
            "closed_at",
        ]
        read_only_fields = ["characteristic", "episode", "created_at", "closed_at"]

    def get_overdue(self, obj: CorrectiveAction) -> bool:
        """Not verified or closed, and past its due date."""
        return obj.is_overdue()

    def validate_violation(self, value: Violation) -> Violation:
        """Only violations of the user's sites; the violation of an action stays."""
        if self.instance is not None and value.pk != self.instance.violation_id:
            raise serializers.ValidationError("An action stays with its violation.")
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if not scope_queryset(Violation.objects.filter(pk=value.pk), user).exists():
            raise serializers.ValidationError("Unknown violation.")
        return value

    def create(self, validated: dict[str, Any]) -> CorrectiveAction:
        """Open the action through ``alerts.capa`` (validated, audited)."""
        request = self.context["request"]
        return capa.open_action(
            validated.pop("violation"),
            user=request.user,
            **{k: v for k, v in validated.items() if k != "status"},
        )

    def update(self, instance: CorrectiveAction, validated: dict[str, Any]) -> CorrectiveAction:
        """Move the action on through ``alerts.capa`` (validated, audited)."""
        validated.pop("violation", None)
        return capa.update_action(instance, **validated)


class OwnerOrEngineer(BasePermission):
    """Any role reads and opens (POST); the owner or an Engineer changes an action."""

    message = "Only the owner or an Engineer changes this action."

    def has_permission(self, request: Request, view: Any) -> bool:
        return has_role(request.user, OPERATOR)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return obj.owner_id == request.user.pk or has_role(request.user, ENGINEER)


class CorrectiveActionFilter(django_filters.FilterSet):
    """By status, owner, characteristic, subtree, overdue."""

    hierarchy = subtree_filter("characteristic__hierarchy__path")
    owner = django_filters.CharFilter(field_name="owner__username")
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = CorrectiveAction
        fields = ["status", "owner", "characteristic", "violation", "episode", "hierarchy"]

    def filter_overdue(
        self, qs: QuerySet[CorrectiveAction], name: str, value: bool | None
    ) -> QuerySet[CorrectiveAction]:
        if value is None:
            return qs
        return qs.filter(capa.overdue_q()) if value else qs.exclude(capa.overdue_q())


class CorrectiveActionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[CorrectiveAction],
):
    """Corrective actions: list, read, open (from a violation), change; never deleted."""

    queryset = CorrectiveAction.objects.select_related("owner", "cause", "created_by").order_by(
        "due_date", "id"
    )
    serializer_class = CorrectiveActionSerializer
    permission_classes = [OwnerOrEngineer]
    filterset_class = CorrectiveActionFilter
    ordering_fields = ["id", "due_date", "created_at", "status"]
    http_method_names = ["get", "post", "patch", "head", "options"]
