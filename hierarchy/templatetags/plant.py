"""Template filters for what a user may see: ``{% if user|has_role:"QA Manager" %}`` and
``{% if crumb.path|visible_to:user %}`` (a path outside the user's sites is not linked)."""

from __future__ import annotations

from typing import Any

from django import template

from hierarchy import roles
from hierarchy.scoping import can_see_path

register = template.Library()


@register.filter(name="has_role")
def has_role(user: Any, role: str) -> bool:
    """True when ``user`` has ``role`` (a ``hierarchy.roles`` name) or a higher one."""
    return roles.has_role(user, role)


@register.filter(name="visible_to")
def visible_to(path: str | None, user: Any) -> bool:
    """True when a node with ``path`` lies in ``user``'s sites; no path (a page that is no
    place in the plant) is always visible."""
    return not path or can_see_path(user, path)
