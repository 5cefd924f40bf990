from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The audit trail, its page, export and admin (imports no other project app)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        """Record saves and deletes of the configuration models named in settings."""
        from audit.config_changes import connect_config_signals

        connect_config_signals()
