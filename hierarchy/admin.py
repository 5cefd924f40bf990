"""Admin for the plant tree: indented by depth, with breadcrumbs and characteristic counts."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from hierarchy.models import Node


@admin.register(Node)
class NodeAdmin(admin.ModelAdmin[Node]):
    """The ISA-95 tree as an indented list, ordered so children follow their parent."""

    list_display = ["tree_name", "level", "code", "characteristic_count", "breadcrumb"]
    list_filter = ["level"]
    search_fields = ["name", "code", "description"]
    ordering = ["path"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["breadcrumb"]
    fields = ["name", "code", "level", "parent", "description", "breadcrumb"]
    list_per_page = 200

    def get_queryset(self, request: HttpRequest) -> QuerySet[Node]:
        return super().get_queryset(request).annotate(n_chars=Count("characteristics"))

    @admin.display(description="Name", ordering="path")
    def tree_name(self, obj: Node) -> str:
        return format_html(
            '<span style="padding-left:{}em">{}{}</span>',
            obj.depth * 1.5,
            "└ " if obj.depth else "",
            obj.name,
        )

    @admin.display(description="Characteristics", ordering="n_chars")
    def characteristic_count(self, obj: Node) -> int:
        return getattr(obj, "n_chars", 0)

    @admin.display(description="Location")
    def breadcrumb(self, obj: Node) -> str:
        if not obj.pk:
            return "—"
        return " › ".join(node.name for node in obj.breadcrumbs())
