"""The audit trail: record who changed what, when, from what to what, and why.

* :func:`record` writes one :class:`alerts.models.AuditEntry` (services call it for limit
  changes, exclusions and acknowledgements);
* configuration models (plant nodes, characteristics with their rules and data-source
  mappings, reason codes) are recorded on every save and delete by the signal handlers
  connected in :func:`connect_config_signals`, with old and new values;
* :func:`sign` checks an electronic signature (the user's password re-entered) and returns a
  :class:`Signature` for the record; a wrong password raises :class:`SignatureError`;
* the acting user of a request is known to the signal handlers through :func:`acting_as`
  (set by :class:`AuditUserMiddleware` and by the API permission class).
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from alerts.models import AuditEntry
from spc.core.errors import InputError

LIMIT_CHANGE = "Approval of control limits"
EXCLUSION = "Approval of sample exclusion"
INCLUSION = "Approval of sample re-inclusion"

_acting_user: contextvars.ContextVar[Any] = contextvars.ContextVar("audit_user", default=None)


class SignatureError(InputError):
    """The re-entered password does not match: the change is refused."""

    def __init__(self, message: str = "Wrong password: the change was not signed.") -> None:
        super().__init__("signature_password", message)


@dataclass(frozen=True)
class Signature:
    """An electronic signature: who signed, when, and what the signature means."""

    user: Any
    meaning: str
    time: datetime = field(default_factory=timezone.now)


def sign(user: Any, password: str | None, meaning: str) -> Signature:
    """Check ``password`` against ``user``'s and return the signature, else raise."""
    if not password:
        raise SignatureError("Re-enter your password to sign this change.")
    if user is None or not getattr(user, "is_authenticated", False):
        raise SignatureError("Sign in to sign this change.")
    if not user.check_password(password):
        raise SignatureError()
    return Signature(user=user, meaning=meaning)


def require_reason(reason: str | None, field_name: str = "reason") -> str:
    """The stripped reason; raises ``InputError`` when it is empty."""
    text = (reason or "").strip()
    if not text:
        raise InputError(field_name, "A reason is required for this change.")
    return text


def current_user() -> Any:
    """The user acting in the current request (None outside one)."""
    return _acting_user.get()


def set_current_user(user: Any) -> None:
    """Make ``user`` the acting user for the rest of the current context."""
    _acting_user.set(user if getattr(user, "is_authenticated", False) else None)


@contextlib.contextmanager
def acting_as(user: Any) -> Iterator[None]:
    """Attribute changes made inside the block to ``user``."""
    token = _acting_user.set(user)
    try:
        yield
    finally:
        _acting_user.reset(token)


class AuditUserMiddleware:
    """Expose the signed-in user of each request to the audit signal handlers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        with acting_as(user if getattr(user, "is_authenticated", False) else None):
            return self.get_response(request)


def jsonable(value: Any) -> Any:
    """A JSON-able copy of a field value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


def snapshot(obj: models.Model, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The concrete field values of ``obj`` (foreign keys as ids), JSON-able."""
    skip = set(exclude)
    return {
        f.attname: jsonable(getattr(obj, f.attname))
        for f in obj._meta.concrete_fields
        if f.attname not in skip
    }


def changed(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ, as (old, new)."""
    keys = [k for k in new.keys() | old.keys() if old.get(k) != new.get(k)]
    return {k: old.get(k) for k in sorted(keys)}, {k: new.get(k) for k in sorted(keys)}


def path_of(obj: Any) -> str:
    """Hierarchy path of the object's place in the plant ("" for plant-wide objects)."""
    if hasattr(obj, "path") and hasattr(obj, "depth"):  # a Node
        return str(obj.path)
    node = getattr(obj, "hierarchy", None)
    if node is not None:
        return str(node.path)
    char = getattr(obj, "characteristic", None)
    if char is not None:
        return path_of(char)
    return ""


def record(
    action: str,
    obj: Any = None,
    *,
    user: Any = None,
    object_type: str | None = None,
    object_id: Any = None,
    object_repr: str | None = None,
    path: str | None = None,
    old: Any = None,
    new: Any = None,
    reason: str = "",
    signature: Signature | None = None,
) -> AuditEntry:
    """Write one audit row. ``user`` defaults to the signature's, then the acting user."""
    actor = user or (signature.user if signature else None) or current_user()
    if not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry.objects.create(
        user=actor,
        username=getattr(actor, "username", "") if actor else "",
        time=signature.time if signature else timezone.now(),
        action=action,
        object_type=object_type or (obj._meta.label if obj is not None else ""),
        object_id=str(object_id if object_id is not None else getattr(obj, "pk", "") or ""),
        object_repr=(object_repr if object_repr is not None else str(obj or ""))[:200],
        path=path if path is not None else path_of(obj),
        old=old,
        new=new,
        reason=reason,
        signature_meaning=signature.meaning if signature else "",
    )


# --- configuration models: every create, change and delete ------------------------------

#: model label -> fields left out of the record (bookkeeping, not configuration).
CONFIG_MODELS: dict[str, tuple[str, ...]] = {
    "hierarchy.Node": ("path", "depth"),
    "spc.Characteristic": ("revision", "updated_at"),
    "alerts.ReasonCode": (),
}


def _config_label(sender: Any) -> str | None:
    label = sender._meta.label
    return label if label in CONFIG_MODELS else None


def _before_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    label = _config_label(sender)
    if label is None or raw:
        return
    old = sender._default_manager.filter(pk=instance.pk).first() if instance.pk else None
    instance._audit_old = snapshot(old, CONFIG_MODELS[label]) if old is not None else None


def _after_save(sender: Any, instance: Any, created: bool, raw: bool = False, **kw: Any) -> None:
    label = _config_label(sender)
    if label is None or raw:
        return
    if created and label == "hierarchy.Node" and not instance.path:
        instance._audit_pending_create = True  # Node.save stores its path in a second save
        return
    new = snapshot(instance, CONFIG_MODELS[label])
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
    label = _config_label(sender)
    if label is None:
        return
    record(
        AuditEntry.Action.DELETE,
        instance,
        old=snapshot(instance, CONFIG_MODELS[label]),
        new=None,
        path=_safe_path(instance),
    )


def _safe_path(instance: Any) -> str:
    try:
        return path_of(instance)
    except Exception:
        return ""


def connect_config_signals() -> None:
    """Record configuration changes of :data:`CONFIG_MODELS` (called from AppConfig.ready)."""
    from django.apps import apps

    for label in CONFIG_MODELS:
        model = apps.get_model(label)
        uid = f"audit.{label}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"{uid}.pre")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"{uid}.post")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"{uid}.delete")


# --- export ----------------------------------------------------------------------------

CSV_HEADER = [
    "time",
    "user",
    "action",
    "object_type",
    "object_id",
    "object",
    "reason",
    "signature_meaning",
    "old",
    "new",
]


def csv_rows(entries: Iterable[AuditEntry]) -> Iterator[list[str]]:
    """The header, then one row per entry (old/new as JSON text)."""
    yield CSV_HEADER
    for e in entries:
        yield [
            e.time.isoformat(),
            e.username,
            e.action,
            e.object_type,
            e.object_id,
            _csv_safe(e.object_repr),
            _csv_safe(e.reason),
            e.signature_meaning,
            json.dumps(e.old, sort_keys=True),
            json.dumps(e.new, sort_keys=True),
        ]


def _csv_safe(text: str) -> str:
    """Neutralise spreadsheet formulas in user-supplied text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def csv_response(entries: Iterable[AuditEntry], filename: str = "audit-trail.csv") -> HttpResponse:
    """The entries as a CSV attachment."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    for row in csv_rows(entries):
        writer.writerow(row)
    return response
