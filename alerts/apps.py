from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Rule violations, their acknowledgement, reason codes, and the audit trail."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        """Record configuration changes in the audit trail."""
        from alerts.audit import connect_config_signals

        connect_config_signals()
