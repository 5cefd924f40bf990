"""Roles: Django groups with model permissions, ranked Operator < Engineer < QA Manager < Admin.

Each role has everything of the roles below it:

* Operator — view the plant and its data, enter samples, acknowledge violations;
* Engineer — plus configure hierarchy, characteristics, limits, rules, mappings, reason
  codes, and exclude samples;
* QA Manager — plus reports, exports and the audit trail;
* Admin — everything, including users, grants and tokens of others.

Superusers count as Admin. The groups and their permissions are written by a data
migration and kept in step after every ``migrate``/``flush`` (:func:`sync_roles`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

OPERATOR = "Operator"
ENGINEER = "Engineer"
QA_MANAGER = "QA Manager"
ADMIN = "Admin"
ROLES: tuple[str, ...] = (OPERATOR, ENGINEER, QA_MANAGER, ADMIN)

_VIEW = [
    "hierarchy.view_node",
    "spc.view_characteristic",
    "spc.view_sample",
    "spc.view_measurement",
    "spc.view_limitset",
    "alerts.view_violation",
    "alerts.view_reasoncode",
    "msa.view_gauge",
    "msa.view_gaugestudy",
    "msa.view_studymeasurement",
    "msa.view_msathresholds",
]
_OPERATOR = [*_VIEW, "spc.add_sample", "alerts.change_violation", "msa.add_studymeasurement"]
_CONFIG_MODELS = [
    "hierarchy.node",
    "spc.characteristic",
    "alerts.reasoncode",
    "msa.gauge",
    "msa.gaugestudy",
    "msa.msathresholds",
    # Who hears about what, and the machines' OPC UA servers (issue 21).
    "alerts.notificationrule",
    "alerts.webhookendpoint",
    "ingest.opcuaendpoint",
    "ingest.opcuanode",
]
_ENGINEER = [
    *_OPERATOR,
    *(
        f"{label}.{verb}_{model}"
        for label, model in (m.split(".") for m in _CONFIG_MODELS)
        for verb in ("add", "change", "delete")
    ),
    "spc.change_sample",
    "ingest.view_deadletter",
    "ingest.view_ingestcounter",
    "ingest.view_pendingreading",
    "ingest.view_opcuastatus",
    "alerts.view_delivery",
    "alerts.view_deliveryattempt",
    "hierarchy.view_apitoken",
    "hierarchy.add_apitoken",
    "hierarchy.change_apitoken",
]
_QA_MANAGER = [*_ENGINEER, "audit.view_auditentry", "audit.export_auditentry"]

#: role -> "app_label.codename" permissions (Admin gets every permission there is).
ROLE_PERMISSIONS: dict[str, list[str]] = {
    OPERATOR: _OPERATOR,
    ENGINEER: _ENGINEER,
    QA_MANAGER: _QA_MANAGER,
}


def role_rank(user: Any) -> int:
    """Index of the user's highest role in :data:`ROLES`; -1 for none (or anonymous)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return -1
    if user.is_superuser:
        return len(ROLES) - 1
    cached = getattr(user, "_openspc_role_rank", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = max((i for i, role in enumerate(ROLES) if role in names), default=-1)
        user._openspc_role_rank = cached
    return int(cached)


def has_role(user: Any, role: str) -> bool:
    """True when ``user`` has ``role`` or a higher one."""
    return role_rank(user) >= ROLES.index(role)


def role_of(user: Any) -> str | None:
    """The user's highest role name, or None."""
    rank = role_rank(user)
    return ROLES[rank] if rank >= 0 else None


def can_configure(user: Any) -> bool:
    """Engineers and above change configuration, limits and exclusions."""
    return has_role(user, ENGINEER)


def can_report(user: Any) -> bool:
    """QA managers and above see reports, exports and the audit trail."""
    return has_role(user, QA_MANAGER)


def assign_role(user: Any, role: str) -> None:
    """Put ``user`` in exactly the group of ``role`` (removing other role groups)."""
    from django.contrib.auth.models import Group

    sync_roles()
    user.groups.remove(*Group.objects.filter(name__in=ROLES))
    user.groups.add(Group.objects.get(name=role))
    if hasattr(user, "_openspc_role_rank"):
        del user._openspc_role_rank
    for cache in ("_perm_cache", "_group_perm_cache", "_user_perm_cache"):
        if hasattr(user, cache):
            delattr(user, cache)


def sync_roles(apps: Any = None) -> None:
    """Create the role groups and give them their permissions (idempotent).

    ``apps`` is a migration's app registry (None: the live one). Permissions that do not
    exist yet (an app not migrated) are skipped; the next run adds them.
    """
    if apps is None:
        from django.apps import apps as live_apps

        apps = live_apps
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    every = {
        f"{p['content_type__app_label']}.{p['codename']}": p["pk"]
        for p in permission_model.objects.values("pk", "codename", "content_type__app_label")
    }
    wanted = {**ROLE_PERMISSIONS, ADMIN: list(every)}
    for role in ROLES:
        group, _ = group_model.objects.get_or_create(name=role)
        ids = [every[name] for name in wanted[role] if name in every]
        group.permissions.set(ids)


def role_required(role: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """View decorator: sign-in first (redirect), then ``role`` or 403."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
            if not has_role(request.user, role):
                raise PermissionDenied(f"This page is for the {role} role and above.")
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorate
