"""The system's SUPERSEDED reason code: a limit recalculation closes the violations raised
under the old limits with it ("SUPERSEDED — limits recalculated"). Inactive, so operators
do not pick it when they acknowledge."""

from typing import Any

from django.db import migrations


def create(apps: Any, schema_editor: Any) -> None:
    reason_code = apps.get_model("alerts", "ReasonCode")
    reason_code.objects.get_or_create(
        code="SUPERSEDED",
        defaults={"description": "limits recalculated", "category": "OTHER", "active": False},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0005_violation_rule_secondary"),
    ]

    operations = [
        migrations.RunPython(create, migrations.RunPython.noop),
    ]
