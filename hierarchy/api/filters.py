"""The hierarchy-subtree filter every API list shares."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from hierarchy.models import Node


def subtree_filter(path_field: str, label: str = "Hierarchy node id (and below)") -> Any:
    """A filter keeping rows whose node (``path_field``, a materialised path) lies under a node.

    An unknown node id gives an empty list.
    """

    def method(queryset: QuerySet[Any], name: str, value: int) -> QuerySet[Any]:
        node = Node.objects.filter(pk=value).first()
        if node is None:
            return queryset.none()
        return queryset.filter(**{f"{path_field}__startswith": node.path})

    return django_filters.NumberFilter(method=method, label=label)
