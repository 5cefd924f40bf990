"""Directory groups (or OIDC claim values) -> role and site grants, applied at each sign-in.

A mapping is written as ``"source => target; source => target"``: ``source`` is a group DN
(LDAP) or a claim value (OIDC), compared case-insensitively; ``target`` is a role name
(``Operator``, ``Engineer``, ``QA Manager``, ``Admin``) or a plant node: ``*`` for the whole
plant, a node id, or its names from the top joined by ``/`` (``Acme/Hamburg/Line 1``).

When a role mapping is configured, the user's role is the highest mapped role of their
groups (none: no role); when a site mapping is configured, their grants are exactly the
mapped nodes. Changes go through :func:`hierarchy.roles.assign_role` and model saves and
deletes, so the API identity cache (``hierarchy.identities``) hears of them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.db import transaction

from audit.trail import record
from hierarchy.models import Node, SiteGrant
from hierarchy.roles import ENGINEER, ROLES, assign_role, role_rank

logger = logging.getLogger(__name__)

WHOLE_PLANT = "*"


class MappingError(ValueError):
    """A mapping setting that cannot be read (no ``=>``, an unknown role)."""


def parse_mapping(text: str) -> list[tuple[str, str]]:
    """``"a => X; b => Y"`` -> ``[("a", "X"), ("b", "Y")]`` (sources lower-cased)."""
    pairs: list[tuple[str, str]] = []
    for item in text.replace("\n", ";").split(";"):
        if not item.strip():
            continue
        source, arrow, target = item.partition("=>")
        if not arrow or not source.strip() or not target.strip():
            raise MappingError(f"'{item.strip()}' is not 'source => target'.")
        pairs.append((source.strip().lower(), target.strip()))
    return pairs


def mapped_role(memberships: Iterable[str], role_mapping: str) -> str | None:
    """The highest role the mapping gives to any of ``memberships``; None for none."""
    have = {m.strip().lower() for m in memberships}
    best = -1
    for source, role in parse_mapping(role_mapping):
        if role not in ROLES:
            raise MappingError(f"'{role}' is no role; roles are {', '.join(ROLES)}.")
        if source in have:
            best = max(best, ROLES.index(role))
    return ROLES[best] if best >= 0 else None


def resolve_node(target: str) -> Node | None:
    """The node a site target names: ``*`` is None (whole plant); else an id or a name path.

    Raises :class:`MappingError` when no such node exists.
    """
    if target == WHOLE_PLANT:
        return None
    if target.isdigit():
        node = Node.objects.filter(pk=int(target)).first()
    else:
        node = None
        for name in (part.strip() for part in target.split("/") if part.strip()):
            node = Node.objects.filter(parent=node, name__iexact=name).first()
            if node is None:
                break
    if node is None:
        raise MappingError(f"No plant node '{target}'.")
    return node


def mapped_sites(memberships: Iterable[str], site_mapping: str) -> set[Node | None]:
    """The nodes (None: whole plant) the mapping grants to ``memberships``.

    A target naming no node is logged and skipped, so one stale line does not lock a
    user out of the rest.
    """
    have = {m.strip().lower() for m in memberships}
    nodes: set[Node | None] = set()
    for source, target in parse_mapping(site_mapping):
        if source not in have:
            continue
        try:
            nodes.add(resolve_node(target))
        except MappingError as exc:
            logger.warning("site mapping: %s", exc)
    return nodes


@dataclass(frozen=True)
class Mappings:
    """The configured role and site mappings ("" = that part is not managed)."""

    roles: str = ""
    sites: str = ""


@transaction.atomic
def apply_memberships(user: User, memberships: Iterable[str], maps: Mappings) -> None:
    """Make ``user``'s role and grants follow ``memberships`` (groups or claim values)."""
    groups = list(memberships)
    if maps.roles:
        _apply_role(user, mapped_role(groups, maps.roles))
    if maps.sites:
        _apply_sites(user, mapped_sites(groups, maps.sites))


def _apply_role(user: User, role: str | None) -> None:
    before = role_rank(user)
    if role is None:
        user.groups.remove(*Group.objects.filter(name__in=ROLES))
        if hasattr(user, "_openspc_role_rank"):
            del user._openspc_role_rank
    else:
        assign_role(user, role)
    staff = role is not None and ROLES.index(role) >= ROLES.index(ENGINEER)
    if user.is_staff != staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])
    after = role_rank(user)
    if after != before:
        record(
            "UPDATE",
            user,
            user=user,
            path="",
            old={"role": ROLES[before] if before >= 0 else None},
            new={"role": role, "source": "directory"},
        )


def _apply_sites(user: User, nodes: set[Node | None]) -> None:
    wanted = {node.pk if node else None for node in nodes}
    current = {grant.node_id: grant for grant in SiteGrant.objects.filter(user=user)}
    for node_id, grant in current.items():
        if node_id not in wanted:
            grant.delete()  # one by one: post_delete invalidates cached identities
    for node in nodes:
        if (node.pk if node else None) not in current:
            SiteGrant.objects.create(user=user, node=node)
