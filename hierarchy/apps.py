from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender: Any, **kwargs: Any) -> None:
    """Keep the role groups' permissions in step after every migrate or flush.

    ``post_migrate`` is sent once per app; act on the last one, when every app's
    permissions exist.
    """
    from django.apps import apps

    from hierarchy.roles import sync_roles

    if sender is list(apps.get_app_configs())[-1]:
        sync_roles()


class HierarchyConfig(AppConfig):
    """The ISA-95 plant tree, site grants, roles and API tokens."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "hierarchy"
    verbose_name = "Plant hierarchy"

    def ready(self) -> None:
        """Sync roles after ``migrate``; check sites before plant rows are saved."""
        post_migrate.connect(_sync_roles, dispatch_uid="hierarchy.sync_roles")
        from hierarchy import identities, preferences  # noqa: F401  (sign-in: preferences)
        from hierarchy.scoping import connect_write_guards

        connect_write_guards()
        identities.connect()
