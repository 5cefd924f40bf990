"""Which audit entries a user may see: those of their part of the plant, plus plant-wide ones.

The plant's access rules are not the trail's to know. The setting ``AUDIT_VISIBLE_PATHS``
names a callable ``(user) -> list[str] | None`` giving the path prefixes the user may see
(None: the whole plant); the project points it at ``hierarchy.scoping.granted_paths``.
Without it, superusers see every entry and everyone else only the plant-wide ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.module_loading import import_string

from audit.models import AuditEntry, placed_within


def _superuser_only(user: Any) -> list[str] | None:
    """The fallback rule: the whole plant for superusers, no plant path for anyone else."""
    return None if getattr(user, "is_superuser", False) else []


def paths_rule() -> Callable[[Any], list[str] | None]:
    """The callable named by ``settings.AUDIT_VISIBLE_PATHS`` (the fallback when unset)."""
    name = getattr(settings, "AUDIT_VISIBLE_PATHS", "")
    return import_string(name) if name else _superuser_only


def visible_paths(user: Any) -> list[str] | None:
    """Plant path prefixes whose entries ``user`` may see; None means all of them."""
    return paths_rule()(user)


def visible_entries(user: Any, entries: QuerySet[AuditEntry] | None = None) -> QuerySet[AuditEntry]:
    """``entries`` (default: all) restricted to the user's part of the plant."""
    qs = entries if entries is not None else AuditEntry.objects.all()
    paths = visible_paths(user)
    return qs if paths is None else qs.filter(placed_within(paths))
