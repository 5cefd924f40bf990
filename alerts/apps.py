from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Rule violations, their acknowledgement, reason codes, and notifications."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        """Notify rules' recipients of new violations (alerts.notifications.receivers)."""
        from alerts.notifications.receivers import on_violations_raised
        from spc.pipeline.signals import violations_raised

        violations_raised.connect(on_violations_raised, dispatch_uid="alerts.notifications")
