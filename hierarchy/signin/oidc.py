"""OpenID Connect sign-in (Entra ID / Azure AD, Keycloak, Okta): mozilla-django-oidc's
authorization-code flow (with PKCE) configured from ``OPENSPC_OIDC_*``.

The sign-in page offers the provider's button when configured; ``/oidc/authenticate/``
sends the browser to the provider, ``/oidc/callback/`` exchanges the code for tokens,
checks the ID token (signature from the provider's keys, issuer, audience, expiry, nonce)
and signs the user in. The user is found by the username claim; their role and site grants
follow the values of the role claim (``OPENSPC_OIDC_ROLE_MAP`` / ``_SITE_MAP``, the same
``value => target`` lists as the directory's) at each sign-in. A local account (one with a
password) is never taken over by a provider user of the same name.

A provider that cannot be reached, or answers with something that does not check out,
ends on the sign-in page with a message; local accounts keep working.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import SuspiciousOperation
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from hierarchy.signin.mapping import MappingError, Mappings, apply_memberships
from hierarchy.signin.provider import (
    ProviderUnavailableError,
    discovery,
    oidc_configured,
    oidc_setting,
)
from hierarchy.signin.status import note_unavailable

logger = logging.getLogger(__name__)


def _unavailable_message() -> str:
    return _(
        "The company sign-in service cannot be reached right now. Local accounts still "
        "work; try again in a few minutes or tell IT."
    )


def _refused_message() -> str:
    return _("The company sign-in service's answer was refused; tell IT if this repeats.")


def claim_values(claims: dict[str, Any], path: str) -> list[str]:
    """The values of a claim as strings; ``path`` may be dotted (``realm_access.roles``)."""
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return [str(value)]


class OidcBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend: OpenSPC's settings, claim checks and mappings."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The parent reads the provider's endpoints here; that waits until a sign-in.
        self.UserModel = User

    get_settings = staticmethod(oidc_setting)

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        """The code flow's last step; None (next backend) for anything else."""
        if not oidc_configured() or request is None or "code" not in request.GET:
            return None
        try:
            for name in ("OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT"):
                setattr(self, name, oidc_setting(name))
            self.OIDC_OP_JWKS_ENDPOINT = oidc_setting("OIDC_OP_JWKS_ENDPOINT")
            self.OIDC_RP_CLIENT_ID = oidc_setting("OIDC_RP_CLIENT_ID")
            self.OIDC_RP_CLIENT_SECRET = oidc_setting("OIDC_RP_CLIENT_SECRET")
            self.OIDC_RP_SIGN_ALGO = oidc_setting("OIDC_RP_SIGN_ALGO")
            self.OIDC_RP_IDP_SIGN_KEY = None
            user = super().authenticate(request, **kwargs)
            if user is None:  # the parent logged why (e.g. a local account's name)
                messages.error(request, _refused_message())
            return user
        except (ProviderUnavailableError, requests.RequestException) as exc:
            logger.warning("OIDC provider unavailable: %s", exc)
            note_unavailable(request)
            messages.error(request, _unavailable_message())
        except (SuspiciousOperation, MappingError, ValueError, KeyError) as exc:
            logger.warning("OIDC sign-in refused: %s", exc)
            messages.error(request, _refused_message())
        return None

    def verify_token(self, token: str, **kwargs: Any) -> Any:
        """The parent checks signature, expiry and nonce; also issuer and audience."""
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if payload.get("iss") != discovery()["issuer"]:
            raise SuspiciousOperation("ID token from another issuer")
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token for another client")
        return payload

    def get_userinfo(self, access_token: str, id_token: str, payload: Any) -> Any:
        """The ID token's claims and the userinfo endpoint's (roles are often only in the
        ID token, e.g. Entra ID's ``roles``)."""
        return {**payload, **super().get_userinfo(access_token, id_token, payload)}

    def _username(self, claims: dict[str, Any]) -> str:
        claim = str(getattr(settings, "OPENSPC_OIDC_USERNAME_CLAIM", "preferred_username"))
        return str(claims.get(claim) or claims.get("email") or claims.get("sub") or "")

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        """A user name must be among the claims."""
        return bool(self._username(claims))

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[User]:
        """The account of that user name; a local account (with a password) is refused."""
        users = User.objects.filter(username__iexact=self._username(claims))
        if any(user.has_usable_password() for user in users):
            raise SuspiciousOperation("a local account has this user name")
        return users

    def create_user(self, claims: dict[str, Any]) -> User:
        """A new account without a password: only the provider signs it in."""
        user = User.objects.create_user(self._username(claims), email=claims.get("email", ""))
        user.set_unusable_password()
        return self.update_user(user, claims)

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        """Name and e-mail from the claims; role and grants from the role claim."""
        user.first_name = str(claims.get("given_name", user.first_name))[:150]
        user.last_name = str(claims.get("family_name", user.last_name))[:150]
        user.email = str(claims.get("email", user.email))
        user.save()
        path = str(getattr(settings, "OPENSPC_OIDC_ROLE_CLAIM", "groups"))
        maps = Mappings(
            roles=str(getattr(settings, "OPENSPC_OIDC_ROLE_MAP", "")),
            sites=str(getattr(settings, "OPENSPC_OIDC_SITE_MAP", "")),
        )
        apply_memberships(user, claim_values(claims, path), maps)
        return user


class OidcStartView(OIDCAuthenticationRequestView):
    """``/oidc/authenticate/``: to the provider, or back to the form with a message."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, **kwargs: Any) -> None:
        # The parent reads the provider's endpoint here; that waits until get().
        self.__dict__.update(kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        """Redirect to the provider's authorization endpoint."""
        login = reverse("login")
        if not oidc_configured():
            return HttpResponseRedirect(login)
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except ProviderUnavailableError as exc:
            logger.warning("OIDC provider unavailable: %s", exc)
            messages.error(request, _unavailable_message())
            return HttpResponseRedirect(login)
        self.OIDC_RP_CLIENT_ID = oidc_setting("OIDC_RP_CLIENT_ID")
        return super().get(request)


class OidcCallbackView(OIDCAuthenticationCallbackView):
    """``/oidc/callback/``: the provider's answer; failures end on the sign-in page."""

    get_settings = staticmethod(oidc_setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        """Sign in, or back to the sign-in form (the backend left a message)."""
        if request.GET.get("error"):
            messages.error(request, _refused_message())
        return super().get(request)


def sign_in_label() -> str:
    """The sign-in page's button text for the provider ("" when not configured)."""
    if not oidc_configured():
        return ""
    return str(getattr(settings, "OPENSPC_OIDC_LABEL", "")) or _(
        "Sign in with your company account"
    )
