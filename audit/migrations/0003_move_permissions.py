"""The content type ``alerts.auditentry`` becomes ``audit.auditentry``.

Its permissions (view, export, ...) go with it, so the grants to users and to the role
groups keep working as ``audit.view_auditentry`` and ``audit.export_auditentry``. On a
new database there is nothing to move (``post_migrate`` creates the content type); if both
content types exist (permissions were created while each app held the model), the grants
move to the permissions of the new one and the old one is deleted.
"""

from typing import Any

from django.db import migrations

MODEL = "auditentry"


def _move(apps: Any, source: str, target: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    permission = apps.get_model("auth", "Permission")
    content_type.objects.clear_cache()
    old = content_type.objects.filter(app_label=source, model=MODEL).first()
    if old is None:
        return
    new = content_type.objects.filter(app_label=target, model=MODEL).first()
    if new is None:
        old.app_label = target
        old.save(update_fields=["app_label"])
        return
    for perm in permission.objects.filter(content_type=old):
        twin = permission.objects.filter(content_type=new, codename=perm.codename).first()
        if twin is None:
            perm.content_type = new
            perm.save(update_fields=["content_type"])
            continue
        twin.group_set.add(*perm.group_set.all())
        twin.user_set.add(*perm.user_set.all())
        perm.delete()
    try:
        log_entry = apps.get_model("admin", "LogEntry")
    except LookupError:
        pass
    else:
        log_entry.objects.filter(content_type=old).update(content_type=new)
    old.delete()
    content_type.objects.clear_cache()


def forwards(apps: Any, schema_editor: Any) -> None:
    _move(apps, "alerts", "audit")


def backwards(apps: Any, schema_editor: Any) -> None:
    _move(apps, "audit", "alerts")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_rename_table"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
