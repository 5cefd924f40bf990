"""API authentication with per-user tokens stored hashed (:class:`hierarchy.models.ApiToken`).

``Authorization: Bearer ospc_…`` (or ``Token ospc_…``). Keys without the ``ospc_`` prefix
are left to the next class (DRF's own TokenAuthentication), so older tokens keep working.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from hierarchy import identities
from hierarchy.models import TOKEN_PREFIX, ApiToken, hash_key

KEYWORDS = (b"bearer", b"token")
LAST_USED_EVERY = timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Authenticate with an API token: the hash of the presented key must match a live row."""

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        """The token's user and the token, None when no ``ospc_`` key is presented."""
        parts = authentication.get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() not in KEYWORDS:
            return None
        try:
            key = parts[1].decode()
        except UnicodeError:
            return None
        if not key.startswith(TOKEN_PREFIX):
            return None
        key_hash = hash_key(key)
        generation, token = identities.cached_token(key_hash)
        kept = token is not None
        if token is None:
            token = ApiToken.objects.select_related("user").filter(key_hash=key_hash).first()
        if token is None or not token.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        now = timezone.now()
        if token.last_used is None or now - token.last_used > LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used=now)
            token.last_used = now
            kept = False
        if not kept:
            identities.keep(generation, token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        """Ask for a bearer token on 401."""
        return "Bearer"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describes :class:`ApiTokenAuthentication` in the OpenAPI schema as a bearer token."""

    target_class = "hierarchy.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        """HTTP bearer with an ``ospc_`` key."""
        return {"type": "http", "scheme": "bearer", "bearerFormat": "ospc_ API token"}
