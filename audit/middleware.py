"""The request's signed-in user as the acting user of the audit trail."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from audit.trail import acting_as


class AuditUserMiddleware:
    """Expose the signed-in user of each request to the audit recorders (after
    ``AuthenticationMiddleware``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        with acting_as(user if getattr(user, "is_authenticated", False) else None):
            return self.get_response(request)
