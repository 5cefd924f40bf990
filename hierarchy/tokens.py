"""Issuing and revoking API tokens from the account page, each recorded in the audit trail."""

from __future__ import annotations

from typing import Any

from audit.trail import record
from hierarchy.models import ApiToken


def issue_token(user: Any, name: str) -> tuple[ApiToken, str]:
    """A new token of ``user`` named ``name``, and its key (shown once, never stored)."""
    token, key = ApiToken.issue(user, name)
    record("CREATE", token, user=user, path="", new={"name": token.name, "prefix": token.prefix})
    return token, key


def revoke_token(token: ApiToken, user: Any) -> None:
    """Revoke ``token`` on behalf of ``user`` (a revoked one stays as it is, unrecorded)."""
    if not token.is_active:
        return
    token.revoke()
    record("CHANGE", token, user=user, path="", old={"revoked": False}, new={"revoked": True})
