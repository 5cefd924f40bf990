"""Configuration models recorded on every create, change and delete, with old and new values.

Which models count as configuration is the project's choice, not the trail's: the setting
``AUDIT_CONFIG_MODELS`` maps a model label to the fields left out of the record
(bookkeeping, not configuration), e.g. ``{"hierarchy.Node": ("path", "depth")}``.
:func:`connect_config_signals` (called from ``AuditConfig.ready``) connects the handlers.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_save

from audit.models import AuditEntry
from audit.trail import changed, is_tree_node, path_of, record, snapshot


def config_models() -> dict[str, tuple[str, ...]]:
    """Model label -> excluded fields, from ``settings.AUDIT_CONFIG_MODELS`` (default none)."""
    configured: dict[str, tuple[str, ...]] = getattr(settings, "AUDIT_CONFIG_MODELS", {})
    return {label: tuple(fields) for label, fields in configured.items()}


def _excluded(sender: Any) -> tuple[str, ...] | None:
    """Fields left out of ``sender``'s record; None when the model is not recorded."""
    return config_models().get(sender._meta.label)


def _before_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    exclude = _excluded(sender)
    if exclude is None or raw:
        return
    old = sender._default_manager.filter(pk=instance.pk).first() if instance.pk else None
    instance._audit_old = snapshot(old, exclude) if old is not None else None


def _after_save(sender: Any, instance: Any, created: bool, raw: bool = False, **kw: Any) -> None:
    exclude = _excluded(sender)
    if exclude is None or raw:
        return
    if created and is_tree_node(instance) and not instance.path:
        instance._audit_pending_create = True  # a tree node stores its path in a second save
        return
    new = snapshot(instance, exclude)
    old = getattr(instance, "_audit_old", None)
    if instance.__dict__.pop("_audit_pending_create", False):
        created = True
    if created or old is None:
        record(AuditEntry.Action.CREATE, instance, old=None, new=new)
        return
    before, after = changed(old, new)
    if before or after:
        record(AuditEntry.Action.CHANGE, instance, old=before, new=after)


def _after_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    exclude = _excluded(sender)
    if exclude is None:
        return
    record(
        AuditEntry.Action.DELETE,
        instance,
        old=snapshot(instance, exclude),
        new=None,
        path=_safe_path(instance),
    )


def _safe_path(instance: Any) -> str:
    """The deleted row's place in the plant, or "" when its parents went with it."""
    try:
        return path_of(instance)
    except Exception:
        return ""


def connect_config_signals() -> None:
    """Record configuration changes of the models in ``settings.AUDIT_CONFIG_MODELS``."""
    for label in config_models():
        model = apps.get_model(label)
        uid = f"audit.{label}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"{uid}.pre")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"{uid}.post")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"{uid}.delete")
