from django.apps import AppConfig


class IngestConfig(AppConfig):
    """MQTT and Sparkplug B ingest: worker, dead letters, counters, simulator."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "ingest"
    verbose_name = "Ingest"

    def ready(self) -> None:
        """Publish violation events of non-MQTT samples to the broker (ingest.outbound)."""
        from ingest.outbound import publish_violations
        from spc.pipeline.signals import violations_raised

        violations_raised.connect(publish_violations, dispatch_uid="ingest.outbound")
