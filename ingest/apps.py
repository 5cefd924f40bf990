from django.apps import AppConfig


class IngestConfig(AppConfig):
    """MQTT and Sparkplug B ingest: worker, dead letters, counters, simulator."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "ingest"
    verbose_name = "Ingest"
