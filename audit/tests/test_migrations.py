"""The audit trail's move from ``alerts`` to ``audit`` keeps every row and every grant."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps

from audit.models import AuditEntry

BEFORE = [("alerts", "0003_drop_redundant_fk_indexes"), ("audit", None)]


def migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    """Migrate the test database to ``targets`` and return a fresh executor."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return MigrationExecutor(connection)


def apps_before(executor: MigrationExecutor) -> StateApps:
    """The models as they were before the move (every other app at its latest state)."""
    graph = executor.loader.graph
    nodes = [n for n in graph.leaf_nodes() if n[0] not in ("alerts", "audit")] + [BEFORE[0]]
    return executor.loader.project_state(nodes).apps


@pytest.fixture
def before_the_move() -> Iterator[MigrationExecutor]:
    """The database as it was while ``alerts`` held the audit trail; migrated back to the
    latest state afterwards, whatever the test did."""
    executor = migrate(BEFORE)
    try:
        yield executor
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_rows_and_grants_survive_the_move_to_the_audit_app(
    before_the_move: MigrationExecutor,
) -> None:
    old_apps = apps_before(before_the_move)
    assert "alerts_auditentry" in connection.introspection.table_names()
    old_entry = old_apps.get_model("alerts", "AuditEntry")
    row = old_entry.objects.create(
        username="quentin",
        action="LIMITS",
        object_type="spc.Characteristic",
        object_id="7",
        object_repr="Bore diameter",
        path="/1/2/",
        old={"ucl": 1.5},
        new={"ucl": 2.5},
        reason="new tooling",
        signature_meaning="Approval of control limits",
    )
    old_type = old_apps.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="alerts", model="auditentry"
    )[0]
    old_permission = old_apps.get_model("auth", "Permission")
    export, _ = old_permission.objects.get_or_create(
        content_type=old_type,
        codename="export_auditentry",
        defaults={"name": "Can export the audit trail"},
    )
    group = old_apps.get_model("auth", "Group").objects.create(name="Auditors")
    group.permissions.add(export)
    auditor = User.objects.create_user("auditor", password="pw-auditor-1")
    auditor.groups.add(group.pk)

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    tables = connection.introspection.table_names()
    assert "audit_auditentry" in tables
    assert "alerts_auditentry" not in tables
    assert AuditEntry._meta.db_table == "audit_auditentry"
    moved = AuditEntry.objects.get(pk=row.pk)
    assert (moved.username, moved.action, moved.path) == ("quentin", "LIMITS", "/1/2/")
    assert (moved.old, moved.new) == ({"ucl": 1.5}, {"ucl": 2.5})
    assert moved.reason == "new tooling"
    assert moved.is_signed
    later = AuditEntry.objects.create(action="CHANGE", object_type="spc.Characteristic")
    assert later.pk > row.pk
    assert not ContentType.objects.filter(app_label="alerts", model="auditentry").exists()
    assert ContentType.objects.get(app_label="audit", model="auditentry").pk == old_type.pk
    assert (
        Group.objects.get(name="Auditors")
        .permissions.filter(content_type__app_label="audit", codename="export_auditentry")
        .exists()
    )
    assert User.objects.get(pk=auditor.pk).has_perm("audit.export_auditentry")


@pytest.mark.django_db(transaction=True)
def test_grants_on_both_content_types_end_on_the_audit_one(
    before_the_move: MigrationExecutor,
) -> None:
    """A database where permissions were created while each app held the model (both
    content types exist): grants of the old permissions move to the new ones."""
    old_apps = apps_before(before_the_move)
    content_type = old_apps.get_model("contenttypes", "ContentType")
    permission = old_apps.get_model("auth", "Permission")
    grants = {}
    for label in ("alerts", "audit"):
        kind, _ = content_type.objects.get_or_create(app_label=label, model="auditentry")
        perm, _ = permission.objects.get_or_create(
            content_type=kind, codename="view_auditentry", defaults={"name": "Can view"}
        )
        group = old_apps.get_model("auth", "Group").objects.create(name=f"{label} readers")
        group.permissions.add(perm)
        grants[label] = group.pk
    old_only, _ = permission.objects.get_or_create(
        content_type=content_type.objects.get(app_label="alerts", model="auditentry"),
        codename="export_auditentry",
        defaults={"name": "Can export the audit trail"},
    )
    permission.objects.filter(
        content_type__app_label="audit", codename="export_auditentry"
    ).delete()

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert not ContentType.objects.filter(app_label="alerts", model="auditentry").exists()
    for pk in grants.values():
        names = set(Group.objects.get(pk=pk).permissions.values_list("codename", flat=True))
        assert "view_auditentry" in names
    exported = ContentType.objects.get(app_label="audit", model="auditentry").permission_set
    assert exported.filter(codename="export_auditentry", pk=old_only.pk).exists()
