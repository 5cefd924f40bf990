"""Violations may carry rule 101 (``spc.core.types.SECONDARY_BEYOND_LIMITS``): an R, S or
MR point beyond its limits, beside the Nelson rules 1-8."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0004_move_auditentry_to_audit"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="violation",
            name="violation_rule_1_to_8",
        ),
        migrations.AddConstraint(
            model_name="violation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("rule__gte", 1), ("rule__lte", 8)), ("rule", 101), _connector="OR"
                ),
                name="violation_rule_known",
            ),
        ),
    ]
