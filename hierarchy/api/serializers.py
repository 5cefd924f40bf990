"""Serializers of the plant hierarchy."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from hierarchy.models import Node
from openspc.api_errors import django_validation_body


class NodeSerializer(serializers.ModelSerializer[Node]):
    """A node of the ISA-95 tree; ``path`` and ``depth`` are maintained by the server."""

    class Meta:
        model = Node
        fields = ["id", "name", "code", "level", "parent", "description", "path", "depth"]
        read_only_fields = ["path", "depth"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Apply the model's own rules (level under parent, unique code) as 400s."""
        instance = Node(**{**self._current(), **attrs})
        # An update checks uniqueness against the other rows, not against itself.
        instance._state.adding = self.instance is None
        try:
            instance.full_clean(validate_unique=True, validate_constraints=True)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(django_validation_body(exc)) from exc
        return attrs

    def _current(self) -> dict[str, Any]:
        if self.instance is None:
            return {}
        node = self.instance
        return {
            "pk": node.pk,
            "name": node.name,
            "code": node.code,
            "level": node.level,
            "parent": node.parent,
            "description": node.description,
            "path": node.path,
            "depth": node.depth,
        }
