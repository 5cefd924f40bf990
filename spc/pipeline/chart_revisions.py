"""Data revisions of the charts: a token per characteristic that changes whenever its
samples or violations change, so a cached chart payload (``spc.charts.cached``) is served
only while it is still what the database holds.

The writers call :func:`touch` with the characteristics they changed: the pipeline for
stored samples and violations, acknowledgement, retention, limit changes and exclusions.
Outside a transaction the tokens are replaced at once. Inside one they are replaced when
it commits (a reader elsewhere that cached the old rows meanwhile did so under a token
nobody asks for any more), and until then the writing transaction itself reads those
characteristics' charts past the cache (:func:`changed_here`), since only it sees its
rows. Tokens are never reused, so an evicted token cannot bring back an older payload.

Changes to the characteristic's own row (settings, limits, exclusion) need no touch: its
``revision`` and ``updated_at`` are part of the payload's key.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models.signals import post_save

from openspc.caches import current_token, shared_cache

_local = threading.local()
"""Per thread: (the outermost atomic block, the ids it touched): its uncommitted changes."""


def _key(characteristic_id: int) -> str:
    return f"chart-rev:{characteristic_id}"


def data_revision(characteristic_id: int) -> str:
    """The current token of a characteristic's samples and violations (read it before
    reading the rows it stands for)."""
    return current_token(_key(characteristic_id))


def _replace(ids: Iterable[int]) -> None:
    # Dropping a token replaces it: the next reader adds a new one (never an old one's
    # value), and a delete costs the cache less than a write (no value to pickle).
    shared_cache().delete_many([_key(cid) for cid in ids])


def _outermost() -> Any:
    blocks = connection.atomic_blocks
    return blocks[0] if blocks else None


def touch(characteristic_ids: Iterable[int]) -> None:
    """Mark the charts of ``characteristic_ids`` changed: now, or when the transaction
    commits (and for its own reads until then)."""
    ids = set(characteristic_ids)
    if not ids:
        return
    outer = _outermost()
    if outer is None:
        _replace(ids)
        return
    # One callback per touch: a callback registered in a savepoint that rolls back is
    # dropped with it, so an earlier touch's callback cannot stand for a later one.
    transaction.on_commit(lambda: _replace(ids))
    pending = getattr(_local, "pending", None)
    if pending is None or pending[0] is not outer:
        pending = (outer, set[int]())
        _local.pending = pending
    pending[1].update(ids)


def changed_here(characteristic_id: int) -> bool:
    """True when the current transaction changed this characteristic's chart rows and has
    not committed: its payload must be read from the database, not the cache."""
    pending = getattr(_local, "pending", None)
    if pending is None:
        return False
    outer = _outermost()
    return outer is not None and pending[0] is outer and characteristic_id in pending[1]


def _saved(sender: Any, instance: Any, **_: Any) -> None:
    touch([instance.characteristic_id])


def connect() -> None:
    """Touch on single saves of the rows a chart shows (admin edits, factories); the
    pipeline writes in bulk and touches by itself."""
    from alerts.models import Violation
    from spc.models import LimitSet, Sample

    for model in (Sample, Violation, LimitSet):
        post_save.connect(_saved, sender=model, dispatch_uid=f"chart_revisions.{model.__name__}")
