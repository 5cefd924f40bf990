"""API identities kept for a few seconds, so a token request costs no query for its user.

An identity is a token with its user, whose role and granted paths are worked out before
it is kept (``hierarchy.roles`` and ``hierarchy.scoping`` memoise them on the user). It
lives in the shared cache for :data:`IDENTITY_SECONDS` under the current generation; any
change that could alter who a token is or what it may see (a token, user, group
membership, site grant or node saved or deleted) starts a new generation, so no process
serves an identity older than the change. With a per-process cache (the embedded default,
one process) that holds at once; with Redis, for every process.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save

from hierarchy.models import ApiToken, Node, SiteGrant
from hierarchy.roles import role_rank
from hierarchy.scoping import granted_paths
from openspc.caches import current_token, drop_token, shared_cache

IDENTITY_SECONDS = 30
_GENERATION_KEY = "api-identity-generation"


def _key(generation: str, key_hash: str) -> str:
    return f"api-identity:{generation}:{key_hash}"


def cached_token(key_hash: str) -> tuple[str, ApiToken | None]:
    """(generation, the kept token with its user) for a key's hash; None when not kept."""
    generation = current_token(_GENERATION_KEY)
    return generation, shared_cache().get(_key(generation, key_hash))


def keep(generation: str, token: ApiToken) -> None:
    """Keep a live token and its user (role and grants worked out) under ``generation``."""
    role_rank(token.user)
    granted_paths(token.user)
    shared_cache().set(_key(generation, token.key_hash), token, timeout=IDENTITY_SECONDS)


def new_generation(**_: Any) -> None:
    """Forget every kept identity: now, and again after the change commits."""
    drop_token(_GENERATION_KEY)  # the next reader adds a new generation


def connect() -> None:
    """Start a new generation whenever a kept identity could have changed."""
    user_model = get_user_model()
    for model in (ApiToken, user_model, SiteGrant, Node, Group):
        uid = f"hierarchy.identities.{model._meta.label_lower}"
        post_save.connect(new_generation, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(new_generation, sender=model, dispatch_uid=f"{uid}.delete")
    m2m_changed.connect(
        new_generation, sender=user_model.groups.through, dispatch_uid="hierarchy.identities.groups"
    )
