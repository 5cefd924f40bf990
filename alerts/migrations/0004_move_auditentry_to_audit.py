"""The audit trail moves to the ``audit`` app: ``AuditEntry`` leaves this app's state only.

The table stays (``audit.0001_initial`` takes it over as ``alerts_auditentry`` and
``audit.0002`` renames it), so no row is lost.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0003_drop_redundant_fk_indexes"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEntry")],
            database_operations=[],
        ),
    ]
