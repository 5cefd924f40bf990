from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Rule violations, their acknowledgement, and reason codes."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "alerts"
    verbose_name = "Alerts"
