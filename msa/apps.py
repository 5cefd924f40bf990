from django.apps import AppConfig


class MsaConfig(AppConfig):
    """Gauges, gauge R&R / Type 1 / linearity / attribute studies, and their verdicts."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "msa"
    verbose_name = "Measurement systems analysis"
