"""Plant scoping: which part of the plant a user may see, applied to every list.

A user sees the subtree of each node granted to them (:class:`hierarchy.models.SiteGrant`);
a grant on an enterprise (the root), or one without a node, is the whole plant; superusers
see everything; anyone else sees nothing. Lists filter on a hierarchy ``path`` column with
:func:`scope_queryset`.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from rest_framework.filters import BaseFilterBackend

from audit.trail import current_user
from hierarchy.models import Node

M = TypeVar("M", bound=Model)

#: model label -> lookup of its hierarchy path, for the API filter backend and the admin.
PATH_FIELDS: dict[str, str] = {
    "hierarchy.node": "path",
    "hierarchy.sitegrant": "node__path",
    "spc.characteristic": "hierarchy__path",
    "spc.sample": "characteristic__hierarchy__path",
    "spc.measurement": "sample__characteristic__hierarchy__path",
    "spc.limitset": "characteristic__hierarchy__path",
    "alerts.violation": "characteristic__hierarchy__path",
    "alerts.correctiveaction": "characteristic__hierarchy__path",
    "spc.annotation": "characteristic__hierarchy__path",
    "spc.samplecorrection": "characteristic__hierarchy__path",
    "spc.parttarget": "characteristic__hierarchy__path",
    "audit.auditentry": "path",
    "ingest.pendingreading": "characteristic__hierarchy__path",
    "multivariate.multivariategroup": "hierarchy__path",
    "multivariate.groupmember": "group__hierarchy__path",
    "multivariate.t2point": "group__hierarchy__path",
}


def granted_paths(user: Any) -> list[str] | None:
    """Paths of the user's granted subtrees; None means everything, [] nothing."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return None
    cached = getattr(user, "_openspc_paths", None)
    if cached is None:
        paths = list(set(user.site_grants.values_list("node__path", flat=True)))
        if any(p is None or p.count("/") == 2 for p in paths):  # none or "/<id>/": the root
            cached = ["*"]  # a grant on the enterprise is the whole plant
        else:  # drop paths already covered by a shorter granted path
            cached = sorted(p for p in paths if not any(p != q and p.startswith(q) for q in paths))
        user._openspc_paths = cached
    return None if cached == ["*"] else list(cached)


def forget(user: Any) -> None:
    """Drop the grants cached on ``user`` (after changing them)."""
    for name in ("_openspc_paths", "_openspc_role_rank"):
        if hasattr(user, name):
            delattr(user, name)


def scope_q(user: Any, path_field: str) -> Q | None:
    """The filter on ``path_field`` that keeps the user's part of the plant (None: no filter)."""
    paths = granted_paths(user)
    if paths is None:
        return None
    if not paths:
        return Q(pk__in=[])
    conditions = [Q(**{f"{path_field}__startswith": p}) for p in paths]
    return reduce(or_, conditions)


def scope_queryset(qs: QuerySet[M], user: Any, path_field: str | None = None) -> QuerySet[M]:
    """``qs`` restricted to the user's sites; ``path_field`` defaults from :data:`PATH_FIELDS`.

    Rows with an empty path (plant-wide, e.g. an audit row about a reason code) are visible
    to everyone who may see the list at all.
    """
    field = path_field or PATH_FIELDS.get(qs.model._meta.label_lower)
    if field is None:
        return qs
    q = scope_q(user, field)
    if q is None:
        return qs
    if qs.model._meta.label_lower == "audit.auditentry":
        q |= Q(**{field: ""})
    return qs.filter(q)


def visible_nodes(user: Any) -> QuerySet[Node]:
    """The nodes the user may see."""
    return scope_queryset(Node.objects.all(), user, "path")


def can_see_path(user: Any, path: str) -> bool:
    """True when a node with ``path`` lies in the user's part of the plant."""
    paths = granted_paths(user)
    return paths is None or any(path.startswith(p) for p in paths)


def can_see_node(user: Any, node: Node) -> bool:
    """True when ``node`` lies in the user's part of the plant."""
    return can_see_path(user, node.path)


def visible_characteristic_ids(user: Any) -> QuerySet[Any]:
    """Ids of the characteristics the user may see (a subquery)."""
    from django.apps import apps

    # By label: the plant tree sits below the apps that hang things on it.
    characteristic = apps.get_model("spc", "Characteristic")
    return scope_queryset(characteristic._default_manager.all(), user).values("pk")


class ScopedFilterBackend(BaseFilterBackend):
    """DRF filter backend: every list and detail lookup only reaches the user's sites.

    A view may name the lookup in ``scope_path_field``; otherwise it comes from the model
    (:data:`PATH_FIELDS`). Models without a place in the plant are not filtered.
    """

    def filter_queryset(self, request: Any, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        """Restrict ``queryset`` to the requesting user's sites."""
        return scope_queryset(queryset, request.user, getattr(view, "scope_path_field", None))


def _place_of(instance: Any) -> str | None:
    """Hierarchy path a saved row belongs to (None: not placed in the plant)."""
    label = instance._meta.label_lower
    if label == "hierarchy.node":
        parent = instance.parent
        return parent.path if parent is not None else "/"
    if label == "spc.characteristic":
        return str(Node.objects.filter(pk=instance.hierarchy_id).values_list("path", flat=True)[0])
    if label == "spc.sample":
        from django.apps import apps

        characteristic = apps.get_model("spc", "Characteristic")
        row = characteristic._default_manager.filter(pk=instance.characteristic_id)
        return row.values_list("hierarchy__path", flat=True).first()
    return None


def guard_write(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """Refuse (PermissionDenied) a save by the acting user outside their sites.

    Runs for plant nodes, characteristics and samples; a change made outside a request
    (ingest, commands) has no acting user and is not checked.
    """
    from django.core.exceptions import PermissionDenied

    user = current_user()
    if raw or user is None or granted_paths(user) is None:
        return
    places = [_place_of(instance)]
    if instance._meta.label_lower != "spc.sample" and instance.pk:
        old = sender._default_manager.filter(pk=instance.pk).first()
        places.append(_place_of(old) if old is not None else None)
    if instance._meta.label_lower == "hierarchy.node" and instance.pk:
        places.append(instance.path)
    for place in places:
        if place is not None and not can_see_path(user, place):
            raise PermissionDenied("That part of the plant is not yours.")


def connect_write_guards() -> None:
    """Check the acting user's sites before saving nodes, characteristics and samples."""
    from django.apps import apps
    from django.db.models.signals import pre_delete, pre_save

    for label in ("hierarchy.Node", "spc.Characteristic", "spc.Sample"):
        model = apps.get_model(label)
        pre_save.connect(guard_write, sender=model, dispatch_uid=f"scope.{label}")
        pre_delete.connect(guard_write, sender=model, dispatch_uid=f"scope.del.{label}")


class ScopedAdminMixin:
    """ModelAdmin mixin: the changelist, change pages and foreign-key choices only reach the
    user's sites (place it before ``admin.ModelAdmin`` in the bases)."""

    def get_queryset(self, request: Any) -> QuerySet[Any]:
        """The model's rows in the user's sites."""
        return scope_queryset(super().get_queryset(request), request.user)  # type: ignore[misc]

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        """Choices of plant nodes and characteristics limited to the user's sites."""
        label = db_field.related_model._meta.label_lower
        if label in PATH_FIELDS and "queryset" not in kwargs:
            kwargs["queryset"] = scope_queryset(
                db_field.related_model._default_manager.all(), request.user
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def get_search_results(self, request: Any, queryset: QuerySet[Any], term: str) -> Any:
        """Autocomplete (e.g. the parent node) searches only the user's sites."""
        qs = scope_queryset(queryset, request.user)
        return super().get_search_results(request, qs, term)  # type: ignore[misc]
