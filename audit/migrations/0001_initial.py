"""``AuditEntry`` enters this app's state on the table ``alerts.0002_audit_entry`` created.

State only: the table and its rows stay where they are; ``0002_rename_table`` renames it.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("alerts", "0002_audit_entry"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEntry",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("username", models.CharField(blank=True, max_length=150)),
                        (
                            "time",
                            models.DateTimeField(
                                db_index=True, default=django.utils.timezone.now
                            ),
                        ),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("CREATE", "Created"),
                                    ("CHANGE", "Changed"),
                                    ("DELETE", "Deleted"),
                                    ("LIMITS", "Limits changed"),
                                    ("EXCLUDE", "Sample excluded"),
                                    ("INCLUDE", "Sample included"),
                                    ("ACKNOWLEDGE", "Acknowledged"),
                                ],
                                max_length=12,
                            ),
                        ),
                        ("object_type", models.CharField(max_length=60)),
                        ("object_id", models.CharField(blank=True, max_length=40)),
                        ("object_repr", models.CharField(blank=True, max_length=200)),
                        ("path", models.CharField(blank=True, db_index=True, max_length=255)),
                        ("old", models.JSONField(blank=True, null=True)),
                        ("new", models.JSONField(blank=True, null=True)),
                        ("reason", models.TextField(blank=True)),
                        ("signature_meaning", models.CharField(blank=True, max_length=120)),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "audit entry",
                        "verbose_name_plural": "audit trail",
                        "ordering": ["-time", "-id"],
                        "permissions": [("export_auditentry", "Can export the audit trail")],
                        "indexes": [
                            models.Index(fields=["object_type", "object_id"], name="audit_object")
                        ],
                        "db_table": "alerts_auditentry",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
