"""Where the OpenID Connect provider is and how OpenSPC is registered with it.

Configured by ``OPENSPC_OIDC_*`` settings: the provider's discovery document
(``.well-known/openid-configuration``) names its endpoints; it is fetched on first use and
kept for an hour. :func:`oidc_setting` answers mozilla-django-oidc's ``OIDC_*`` settings
from ours and from the discovery document, so nothing provider-specific sits in the
project's settings.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import requests
from django.conf import settings
from django.urls import reverse
from mozilla_django_oidc.utils import import_from_settings

DISCOVERY_SECONDS = 3600

_lock = threading.Lock()
_discovered: dict[str, tuple[float, dict[str, Any]]] = {}

#: mozilla-django-oidc setting -> key of the discovery document.
_ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


class ProviderUnavailableError(Exception):
    """The provider's discovery document could not be fetched or read."""


def oidc_configured() -> bool:
    """True when a discovery URL and a client id are set."""
    return bool(getattr(settings, "OPENSPC_OIDC_DISCOVERY_URL", "")) and bool(
        getattr(settings, "OPENSPC_OIDC_CLIENT_ID", "")
    )


def timeout() -> int:
    """Seconds to wait for the provider."""
    return int(getattr(settings, "OPENSPC_OIDC_TIMEOUT", 5))


def discovery() -> dict[str, Any]:
    """The provider's discovery document (cached); :class:`ProviderUnavailableError` if none."""
    url = str(getattr(settings, "OPENSPC_OIDC_DISCOVERY_URL", ""))
    with _lock:
        cached = _discovered.get(url)
        if cached and time.monotonic() - cached[0] < DISCOVERY_SECONDS:
            return cached[1]
    try:
        answer = requests.get(url, timeout=timeout())
        answer.raise_for_status()
        document = answer.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailableError(f"{url}: {exc}") from exc
    missing = [key for key in (*_ENDPOINTS.values(), "issuer") if key not in document]
    if missing:
        raise ProviderUnavailableError(f"{url} names no {', '.join(missing)}")
    with _lock:
        _discovered[url] = (time.monotonic(), document)
    return dict(document)


def forget_discovery() -> None:
    """Drop the cached discovery documents (the next sign-in fetches again)."""
    with _lock:
        _discovered.clear()


def oidc_setting(name: str, *default: Any) -> Any:
    """mozilla-django-oidc's setting ``name``, from ``OPENSPC_OIDC_*`` and discovery."""
    if name in _ENDPOINTS:
        return discovery()[_ENDPOINTS[name]]
    ours: dict[str, Any] = {
        "OIDC_RP_CLIENT_ID": getattr(settings, "OPENSPC_OIDC_CLIENT_ID", ""),
        "OIDC_RP_CLIENT_SECRET": getattr(settings, "OPENSPC_OIDC_CLIENT_SECRET", ""),
        "OIDC_RP_SIGN_ALGO": getattr(settings, "OPENSPC_OIDC_SIGN_ALGO", "RS256"),
        "OIDC_RP_SCOPES": getattr(settings, "OPENSPC_OIDC_SCOPES", "openid email profile"),
        "OIDC_TIMEOUT": timeout(),
        "OIDC_USE_PKCE": True,
        "LOGIN_REDIRECT_URL_FAILURE": reverse("login"),
    }
    if name in ours:
        return ours[name]
    return import_from_settings(name, *default)
