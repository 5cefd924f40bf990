"""A user's page language and time zone, applied on every request.

Anonymous visitors get the browser's language (Django's ``LocaleMiddleware`` reads
``Accept-Language`` and the language cookie) and the plant's zone. A signed-in user's
choices (:class:`hierarchy.models.UserPreference`) are copied into the session at sign-in
and when changed, so :class:`PreferenceMiddleware` needs no query per request.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from hierarchy.models import UserPreference

LANGUAGE_KEY = "openspc_language"
ZONE_KEY = "openspc_time_zone"


def language_codes() -> list[str]:
    """The languages pages are offered in (``settings.LANGUAGES``)."""
    return [code for code, _ in settings.LANGUAGES]


@cache
def zone_names() -> list[str]:
    """Every IANA time zone name, sorted."""
    return sorted(available_timezones())


def valid_zone(name: str) -> bool:
    """True for an IANA zone name this system knows."""
    return name in set(zone_names())


def remember(request: HttpRequest, preference: UserPreference | None) -> None:
    """Copy the user's choices into the session (blank ones are removed)."""
    language = preference.language if preference else ""
    zone = preference.time_zone if preference else ""
    for key, value in ((LANGUAGE_KEY, language), (ZONE_KEY, zone)):
        if value:
            request.session[key] = value
        else:
            request.session.pop(key, None)


def save_preference(request: HttpRequest, **changes: str) -> UserPreference:
    """Store ``language`` and/or ``time_zone`` for the signed-in user and apply them."""
    preference, _ = UserPreference.objects.get_or_create(user=request.user)
    for field, value in changes.items():
        setattr(preference, field, value)
    preference.save()
    remember(request, preference)
    return preference


@receiver(user_logged_in, dispatch_uid="openspc-preferences-login")
def _on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        remember(request, UserPreference.objects.filter(user=user).first())


class PreferenceMiddleware:
    """After authentication: the user's language (over the browser's) and time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        language = session.get(LANGUAGE_KEY) if session is not None else None
        if language and language in language_codes():
            translation.activate(language)
            request.LANGUAGE_CODE = language
        zone = session.get(ZONE_KEY) if session is not None else None
        if zone and valid_zone(zone):
            timezone.activate(ZoneInfo(zone))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:  # the thread's next job (another request, a live page) starts in the plant's
            timezone.deactivate()
