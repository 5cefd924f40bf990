"""REST endpoints of the plant hierarchy."""

from __future__ import annotations

import django_filters
from rest_framework import viewsets

from hierarchy.api.filters import subtree_filter
from hierarchy.api.serializers import NodeSerializer
from hierarchy.models import Level, Node
from openspc.api_permissions import ReadAnyWriteStaff


class NodeFilter(django_filters.FilterSet):
    """Filter nodes by level, parent, or everything under a node (``subtree``)."""

    level = django_filters.ChoiceFilter(choices=Level.choices)
    subtree = subtree_filter("path", label="Node id (and below)")

    class Meta:
        model = Node
        fields = ["level", "parent", "subtree"]


class NodeViewSet(viewsets.ModelViewSet[Node]):
    """ISA-95 nodes (ENTERPRISE > SITE > AREA > LINE > CELL > EQUIPMENT)."""

    queryset = Node.objects.all().order_by("path")
    serializer_class = NodeSerializer
    permission_classes = [ReadAnyWriteStaff]
    filterset_class = NodeFilter
    search_fields = ["name", "code"]
    ordering_fields = ["path", "name", "level"]
