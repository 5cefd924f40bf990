"""Create the role groups (Operator, Engineer, QA Manager, Admin) with their permissions."""

from typing import Any

from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_roles(apps: Any, schema_editor: Any) -> None:
    # Permissions are normally created after all migrations; make them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    from hierarchy.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("hierarchy", "0002_access"),
        ("alerts", "0002_audit_entry"),
        ("spc", "0003_characteristic_schedule_retention"),
        ("ingest", "0002_pending_reading"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
