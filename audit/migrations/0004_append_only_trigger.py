"""The audit trail is append-only at the database (issue 23): on PostgreSQL a trigger
refuses every UPDATE and DELETE of ``audit_auditentry``, whoever runs it (the ORM, a
shell, psql). The one update let through sets ``user_id`` to NULL and changes nothing else:
a deleted user's entries keep their ``username`` (the foreign key's ON DELETE SET NULL).
SQLite (development, tests) gets no trigger; the admin and the code never write there.
"""

from typing import Any

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.user_id IS NULL
       AND (NEW.id, NEW.username, NEW.time, NEW.action, NEW.object_type, NEW.object_id,
            NEW.object_repr, NEW.path, NEW.old::text, NEW.new::text, NEW.reason,
            NEW.signature_meaning)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.username, OLD.time, OLD.action, OLD.object_type, OLD.object_id,
            OLD.object_repr, OLD.path, OLD.old::text, OLD.new::text, OLD.reason,
            OLD.signature_meaning)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % of audit entry % refused', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_entry_append_only();
"""


def _run(sql: str) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_move_permissions")]

    operations = [migrations.RunPython(_run(FUNCTION), _run(DROP))]
