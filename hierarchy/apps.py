from django.apps import AppConfig


class HierarchyConfig(AppConfig):
    """The ISA-95 plant tree."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "hierarchy"
    verbose_name = "Plant hierarchy"
