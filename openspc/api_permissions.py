"""API permissions by role (``hierarchy.roles``): who may read, write or report.

* :class:`RolePermission` (the default): any role reads, enters samples (POST) and
  acknowledges; changing or deleting (PUT/PATCH/DELETE, e.g. a sample exclusion) needs an
  Engineer.
* :class:`ReadAnyWriteStaff`: any role reads; Engineers create, change and delete
  (configuration: hierarchy, characteristics, reason codes).
* :class:`IsQAManager`: reports and exports.

Each also makes the authenticated user the acting user of the audit trail. What a user
sees is limited to their sites by ``hierarchy.scoping.ScopedFilterBackend``.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from audit.trail import set_current_user
from hierarchy.roles import ENGINEER, OPERATOR, QA_MANAGER, has_role


def _allowed(request: Request, role: str) -> bool:
    user = request.user
    if not (user and user.is_authenticated):
        return False
    set_current_user(user)
    return has_role(user, role)


class RolePermission(BasePermission):
    """Any role reads, POSTs samples and acknowledgements; Engineers change and delete."""

    message = "Your role does not allow this."

    def has_permission(self, request: Request, view: Any) -> bool:
        """Operator for reads and POST, Engineer for PUT, PATCH and DELETE."""
        if request.method in SAFE_METHODS or request.method == "POST":
            return _allowed(request, OPERATOR)
        return _allowed(request, ENGINEER)


class ReadAnyWriteStaff(BasePermission):
    """Any role reads; only Engineers (and above) create, change or delete."""

    message = "Only engineers may change the configuration."

    def has_permission(self, request: Request, view: Any) -> bool:
        """Operator for reads, Engineer for writes."""
        return _allowed(request, OPERATOR if request.method in SAFE_METHODS else ENGINEER)


#: The configuration rule under a name that says what it checks.
ReadAnyWriteEngineer = ReadAnyWriteStaff


class IsQAManager(BasePermission):
    """QA Managers (and Admins): reports, exports and the audit trail."""

    message = "Reports and exports are for QA managers."

    def has_permission(self, request: Request, view: Any) -> bool:
        """QA Manager role required."""
        return _allowed(request, QA_MANAGER)
