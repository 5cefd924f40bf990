"""Rename the table ``alerts_auditentry`` to this app's ``audit_auditentry``, rows and all."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("alerts", "0004_move_auditentry_to_audit"),
    ]

    operations = [migrations.AlterModelTable(name="auditentry", table=None)]
