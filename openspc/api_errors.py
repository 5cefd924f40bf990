"""API error handling: every refusal is a 4xx with field details, never a 500.

The pipeline and services raise ``InputError(field, message)``; the model layer raises
Django ``ValidationError`` and ``ProtectedError``. All become 400 (or 409 for a delete that
would orphan data) with a ``{field: [message]}`` body, as DRF's own validation errors are.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from audit.signatures import ChangeRefused
from spc.core.errors import InputError


def input_error_body(exc: InputError | ChangeRefused) -> dict[str, list[str]]:
    """``{field: [message]}`` for an ``InputError`` or a refused signature or reason."""
    return {exc.field: [exc.message]}


def django_validation_body(exc: DjangoValidationError) -> dict[str, Any]:
    """A Django ``ValidationError`` as DRF-style field errors."""
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if key == "__all__" else key): value
            for key, value in exc.message_dict.items()
        }
    return {"non_field_errors": exc.messages}


def handle(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler: the default one plus the project's domain errors."""
    if isinstance(exc, InputError | ChangeRefused):
        return Response(input_error_body(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        return Response(django_validation_body(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ProtectedError):
        return Response(
            {"detail": "Still in use: delete or move what refers to it first."},
            status=status.HTTP_409_CONFLICT,
        )
    return exception_handler(exc, context)
