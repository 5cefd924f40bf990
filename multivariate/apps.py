from django.apps import AppConfig


class MultivariateConfig(AppConfig):
    """Hotelling T² charts for groups of characteristics measured together."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "multivariate"
    verbose_name = "Multivariate (Hotelling T²)"

    def ready(self) -> None:
        """Compute T² after the commit of every pipeline call that stored samples."""
        from multivariate import live_points
        from spc.pipeline.signals import samples_stored

        samples_stored.connect(live_points.on_samples_stored, dispatch_uid="multivariate.t2")
        live_points.connect()
