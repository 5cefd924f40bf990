"""Configuration models recorded on every create, change and delete, with old and new values.

Which models count as configuration is the project's choice, not the trail's: the setting
``AUDIT_CONFIG_MODELS`` maps a model label to the fields left out of the record
(bookkeeping, not configuration), e.g. ``{"hierarchy.Node": ("path", "depth")}``. A field
named with a leading ``~`` (``"~password"``) is left out too, but that it changed is
recorded (as ``"(changed)"``): a secret never enters the trail, its change does.
Many-to-many fields (a user's groups, a group's permissions) are recorded as CHANGE rows
with the old and new id lists. :func:`connect_config_signals` (called from
``AuditConfig.ready``) connects the handlers.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_migrate, pre_save

from audit.models import AuditEntry
from audit.trail import changed, is_tree_node, path_of, record, snapshot

CHANGED = "(changed)"


def config_models() -> dict[str, tuple[str, ...]]:
    """Model label -> excluded fields (masked ones without their ``~``), from
    ``settings.AUDIT_CONFIG_MODELS`` (default none)."""
    configured: dict[str, tuple[str, ...]] = getattr(settings, "AUDIT_CONFIG_MODELS", {})
    return {label: tuple(f.lstrip("~") for f in fields) for label, fields in configured.items()}


def masked_fields(sender: Any) -> tuple[str, ...]:
    """Fields of ``sender`` whose change is recorded without their values (``~name``)."""
    configured: dict[str, tuple[str, ...]] = getattr(settings, "AUDIT_CONFIG_MODELS", {})
    fields = configured.get(sender._meta.label, ())
    return tuple(f[1:] for f in fields if f.startswith("~"))


_trail_ready = False
_migrating = False


def _migration_started(**kwargs: Any) -> None:
    global _trail_ready, _migrating
    _trail_ready, _migrating = False, True


def trail_ready() -> bool:
    """True when the trail's table exists: known for good in a serving process; checked on
    every call in a process that ran ``migrate`` (the role groups are synced after
    migrating, also back to before the trail existed)."""
    global _trail_ready
    if not _trail_ready:
        found = AuditEntry._meta.db_table in connection.introspection.table_names()
        _trail_ready = found and not _migrating
        return found
    return True


def _excluded(sender: Any) -> tuple[str, ...] | None:
    """Fields left out of ``sender``'s record; None when the model is not recorded (or
    the trail has no table yet)."""
    found = config_models().get(sender._meta.label)
    return found if found is not None and trail_ready() else None


def _before_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    exclude = _excluded(sender)
    if exclude is None or raw:
        return
    old = sender._default_manager.filter(pk=instance.pk).first() if instance.pk else None
    instance._audit_old = snapshot(old, exclude) if old is not None else None
    masked = masked_fields(sender)
    instance._audit_masked = (
        {name for name in masked if getattr(old, name, None) != getattr(instance, name, None)}
        if old is not None
        else set()
    )


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
    for name in sorted(instance.__dict__.pop("_audit_masked", set())):
        before[name], after[name] = CHANGED, CHANGED
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


def _related_ids(instance: Any, name: str) -> list[Any]:
    return sorted(getattr(instance, name).values_list("pk", flat=True))


def _m2m_changed(sender: Any, instance: Any, action: str, reverse: bool, **kwargs: Any) -> None:
    """A many-to-many set of a recorded model changed: one CHANGE row with the ids before
    and after (``user.groups.add(g)``), or, changed from the other side
    (``group.user_set.add(u)``), a row on that side naming the ids added or removed."""
    if not trail_ready():
        return
    name = _m2m_name(sender, type(instance))
    if name is not None and not reverse:
        if action.startswith("pre_"):
            instance._audit_m2m_old = _related_ids(instance, name)
        elif action.startswith("post_"):
            old, new = instance.__dict__.pop("_audit_m2m_old", None), _related_ids(instance, name)
            if old != new:
                record(AuditEntry.Action.CHANGE, instance, old={name: old}, new={name: new})
        return
    if action == "pre_clear":
        instance._audit_m2m_cleared = sorted(
            sender._default_manager.filter(
                **{_through_column(sender, instance): instance.pk}
            ).values_list(_through_column(sender, kwargs["model"]), flat=True)
        )
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    pks = sorted(kwargs.get("pk_set") or instance.__dict__.pop("_audit_m2m_cleared", []))
    if pks:
        verb = "added" if action == "post_add" else "removed"
        label = kwargs["model"]._meta.label
        record(AuditEntry.Action.CHANGE, instance, new={f"{label} {verb}": pks})


def _through_column(through: Any, model_or_obj: Any) -> str:
    """The foreign-key column of ``through`` pointing at ``model_or_obj``'s model."""
    model = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    for f in through._meta.concrete_fields:
        if getattr(f, "related_model", None) is model:
            return str(f.attname)
    raise LookupError(model)


def _m2m_name(through: Any, model: Any) -> str | None:
    """The many-to-many field of recorded ``model`` that ``through`` belongs to, else None."""
    if _excluded(model) is None:
        return None
    for f in model._meta.many_to_many:
        if f.remote_field.through is through:
            return str(f.name)
    return None


def connect_config_signals() -> None:
    """Record configuration changes of the models in ``settings.AUDIT_CONFIG_MODELS``."""
    pre_migrate.connect(_migration_started, dispatch_uid="audit.migration_started")
    for label in config_models():
        model = apps.get_model(label)
        uid = f"audit.{label}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"{uid}.pre")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"{uid}.post")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"{uid}.delete")
        for f in model._meta.many_to_many:
            through = f.remote_field.through
            m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=f"{uid}.{f.name}")
