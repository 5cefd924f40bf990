from django.apps import AppConfig


class SpcConfig(AppConfig):
    """Characteristics, samples, control limits, and the pure SPC core beside them."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "spc"
    verbose_name = "Statistical process control"

    def ready(self) -> None:
        """Register the ``in_array`` lookup (``spc.pipeline.bulk_rows``) before any query;
        touch a chart's data token when one of its rows is saved alone."""
        from spc.pipeline import bulk_rows, chart_revisions  # noqa: F401

        chart_revisions.connect()
