"""Writing the audit trail: who changed what, when, from what to what, and why.

* :func:`record` writes one :class:`audit.models.AuditEntry` (services call it for limit
  changes, exclusions and acknowledgements; :mod:`audit.config_changes` for every save and
  delete of a configuration model);
* the acting user of a request is known to the recorders through :func:`acting_as` (set by
  :class:`audit.middleware.AuditUserMiddleware` and by the API permission classes);
* a change signed in a form (the admin's rule and limit edits) is recorded with its reason
  and signature through :func:`signed_by`, around the save whose rows it signs;
* :func:`snapshot`, :func:`changed` and :func:`jsonable` turn rows into the JSON stored as
  old and new values.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone

from audit.models import AuditEntry
from audit.signatures import Signature

_acting_user: contextvars.ContextVar[Any] = contextvars.ContextVar("audit_user", default=None)
_signed: contextvars.ContextVar[tuple[str, Signature | None]] = contextvars.ContextVar(
    "audit_signed", default=("", None)
)


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


@contextlib.contextmanager
def signed_by(reason: str, signature: Signature | None) -> Iterator[None]:
    """Record the rows written inside the block with ``reason`` and ``signature`` (where the
    writer gives none of its own): the save of a form the user signed."""
    token = _signed.set((reason, signature))
    try:
        yield
    finally:
        _signed.reset(token)


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


def is_tree_node(obj: Any) -> bool:
    """True for a node of the plant tree: it carries its own ``path`` and ``depth``."""
    return hasattr(obj, "path") and hasattr(obj, "depth")


def path_of(obj: Any) -> str:
    """Hierarchy path of the object's place in the plant ("" for plant-wide objects).

    Read by duck typing, so the trail needs no import of the plant models: a tree node's
    own ``path``, else that of its ``hierarchy`` node, else that of its ``characteristic``.
    """
    if is_tree_node(obj):
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
    """Write one audit row. ``user`` defaults to the signature's, then the acting user;
    ``reason`` and ``signature`` default to those of an enclosing :func:`signed_by`."""
    if not reason and signature is None:
        reason, signature = _signed.get()
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
