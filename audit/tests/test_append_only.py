"""The audit trail is append-only (issue 23): no delete in the admin, and on PostgreSQL
the database itself refuses UPDATE and DELETE of an entry (a trigger), letting through only
the user id set to NULL when that user is deleted (the username stays)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEntry
from audit.trail import record

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"
)


@postgres_only
def test_the_database_refuses_update_and_delete() -> None:
    entry = record("CHANGE", object_type="spc.Characteristic", object_repr="Bore", reason="why")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditentry")
    assert AuditEntry.objects.get(pk=entry.pk).reason == "why"


@postgres_only
def test_deleting_a_user_keeps_the_entries_with_the_username() -> None:
    user = User.objects.create_user("leaver", password="pw-leaver-123")
    entry = record("CHANGE", object_type="x.Y", object_repr="thing", user=user)
    user.delete()
    kept = AuditEntry.objects.get(pk=entry.pk)
    assert (kept.user_id, kept.username) == (None, "leaver")
