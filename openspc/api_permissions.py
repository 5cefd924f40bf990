"""API permissions shared by the apps: everyone signed in reads, staff configure."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request


class ReadAnyWriteStaff(BasePermission):
    """Authenticated users read; only staff (engineers) create, change or delete."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or bool(user.is_staff)
