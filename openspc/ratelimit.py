"""A rate limit on login attempts: at most ``OPENSPC_LOGIN_RATE`` POSTs per address a minute.

Counts POSTs to the login pages (the site's and the admin's) per client address in the
cache. An address's minute starts at its first attempt (the counter's expiry is set then and
not moved by later attempts), so a burst cannot straddle two clock minutes and get twice
the limit; past the limit the answer is 429 until that minute is over. Lockout of a user name
after failed passwords is django-axes' job; this stops a flood from one address.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

WINDOW_SECONDS = 60


def client_address(request: HttpRequest) -> str:
    """The client's address as Django sees it (a trusted proxy sets REMOTE_ADDR)."""
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")


class LoginRateLimitMiddleware:
    """Answer 429 to more than the allowed login POSTs per address per minute."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._paths: set[str] | None = None

    def login_paths(self) -> set[str]:
        """The URLs that take a password."""
        if self._paths is None:
            paths = {reverse("admin:login")}
            try:
                paths.add(reverse(settings.LOGIN_URL))
            except Exception:
                paths.add(str(settings.LOGIN_URL))
            self._paths = paths
        return self._paths

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path in self.login_paths():
            limit = int(getattr(settings, "OPENSPC_LOGIN_RATE", 20))
            key = f"login-rate:{client_address(request)}"
            cache.add(key, 0, WINDOW_SECONDS)
            try:
                count = cache.incr(key)
            except ValueError:
                count = 1
            if count > limit:
                response = HttpResponse(
                    "Too many sign-in attempts; try again in a minute.", status=429
                )
                response["Retry-After"] = str(WINDOW_SECONDS)
                return response
        return self.get_response(request)
