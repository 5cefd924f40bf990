"""Roles: groups created by the migration, ranked, with the permissions of their tier."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User

from hierarchy.roles import (
    ADMIN,
    ENGINEER,
    OPERATOR,
    QA_MANAGER,
    ROLES,
    assign_role,
    can_configure,
    can_report,
    has_role,
    role_of,
    sync_roles,
)

pytestmark = pytest.mark.django_db


def user_with(role: str | None) -> User:
    user = User.objects.create_user(f"u-{role}", password="pw-123456789")
    if role:
        assign_role(user, role)
    return User.objects.get(pk=user.pk)  # fresh: no cached permissions


def test_the_migration_created_every_role_group() -> None:
    assert set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == set(ROLES)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, {OPERATOR: False, ENGINEER: False, QA_MANAGER: False, ADMIN: False}),
        (OPERATOR, {OPERATOR: True, ENGINEER: False, QA_MANAGER: False, ADMIN: False}),
        (ENGINEER, {OPERATOR: True, ENGINEER: True, QA_MANAGER: False, ADMIN: False}),
        (QA_MANAGER, {OPERATOR: True, ENGINEER: True, QA_MANAGER: True, ADMIN: False}),
        (ADMIN, {OPERATOR: True, ENGINEER: True, QA_MANAGER: True, ADMIN: True}),
    ],
)
def test_each_role_includes_the_ones_below(role: str | None, expected: dict[str, bool]) -> None:
    user = user_with(role)
    assert {r: has_role(user, r) for r in ROLES} == expected
    assert role_of(user) == role


def test_superuser_counts_as_admin_and_inactive_users_have_no_role() -> None:
    root = User.objects.create_superuser("root", password="pw-123456789")
    assert role_of(root) == ADMIN
    idle = user_with(ENGINEER)
    idle.is_active = False
    assert role_of(idle) is None
    assert not can_configure(idle)


@pytest.mark.parametrize(
    ("role", "perm", "allowed"),
    [
        (OPERATOR, "spc.view_characteristic", True),
        (OPERATOR, "spc.add_sample", True),
        (OPERATOR, "alerts.change_violation", True),
        (OPERATOR, "spc.change_characteristic", False),
        (OPERATOR, "spc.change_sample", False),
        (OPERATOR, "audit.view_auditentry", False),
        (ENGINEER, "spc.change_characteristic", True),
        (ENGINEER, "hierarchy.add_node", True),
        (ENGINEER, "alerts.delete_reasoncode", True),
        (ENGINEER, "spc.change_sample", True),
        (ENGINEER, "audit.view_auditentry", False),
        (ENGINEER, "auth.change_user", False),
        (QA_MANAGER, "audit.view_auditentry", True),
        (QA_MANAGER, "audit.export_auditentry", True),
        (QA_MANAGER, "audit.change_auditentry", False),
        (QA_MANAGER, "auth.change_user", False),
        (ADMIN, "auth.change_user", True),
        (ADMIN, "hierarchy.change_sitegrant", True),
    ],
)
def test_group_permissions(role: str, perm: str, allowed: bool) -> None:
    assert user_with(role).has_perm(perm) is allowed


def test_role_helpers_and_reassignment() -> None:
    user = user_with(OPERATOR)
    assert not can_configure(user)
    assert not can_report(user)
    assign_role(user, QA_MANAGER)
    assert can_configure(user)
    assert can_report(user)
    assert list(user.groups.values_list("name", flat=True)) == [QA_MANAGER]


def test_sync_roles_is_idempotent_and_restores_removed_permissions() -> None:
    group = Group.objects.get(name=OPERATOR)
    before = set(group.permissions.values_list("codename", flat=True))
    group.permissions.clear()
    sync_roles()
    sync_roles()
    assert set(group.permissions.values_list("codename", flat=True)) == before
    assert "add_sample" in before
