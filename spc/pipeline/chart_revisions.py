"""Data revisions of the charts: a token per characteristic that changes whenever its
samples or violations change, so a cached chart payload (``spc.charts.cached``) is served
only while it is still what the database holds.

The writers call :func:`touch` with the characteristics they changed: the pipeline for
stored samples and violations, acknowledgement, retention, limit changes and exclusions.
A touch replaces the token at once (a later read on the writing connection sees its own
rows) and again after commit (a reader that fetched the old rows under the first new token
meanwhile cached them under a token nobody asks for any more). Tokens are never reused, so
an evicted token cannot bring back a payload of an older one.

Changes to the characteristic's own row (settings, limits, exclusion) need no touch: its
``revision`` and ``updated_at`` are part of the payload's key.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterable
from typing import Any

from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import post_save

CACHE_ALIAS = "shared"
_sequence = itertools.count()
_process = f"{os.getpid():x}.{time.time_ns():x}"


def _key(characteristic_id: int) -> str:
    return f"chart-rev:{characteristic_id}"


def _new_token() -> str:
    return f"{_process}.{next(_sequence)}"


def data_revision(characteristic_id: int) -> str:
    """The current token of a characteristic's samples and violations (read it before
    reading the rows it stands for)."""
    cache = caches[CACHE_ALIAS]
    key = _key(characteristic_id)
    token = cache.get(key)
    if token is None:
        token = _new_token()
        if not cache.add(key, token, timeout=None):
            token = cache.get(key) or token
    return str(token)


def _replace(ids: list[int]) -> None:
    caches[CACHE_ALIAS].set_many({_key(cid): _new_token() for cid in ids}, timeout=None)


def touch(characteristic_ids: Iterable[int]) -> None:
    """Mark the charts of ``characteristic_ids`` changed now and again after commit."""
    ids = sorted(set(characteristic_ids))
    if not ids:
        return
    _replace(ids)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _replace(ids))


def _saved(sender: Any, instance: Any, **_: Any) -> None:
    touch([instance.characteristic_id])


def connect() -> None:
    """Touch on single saves of the rows a chart shows (admin edits, factories); the
    pipeline writes in bulk and touches by itself."""
    from alerts.models import Violation
    from spc.models import LimitSet, Sample

    for model in (Sample, Violation, LimitSet):
        post_save.connect(_saved, sender=model, dispatch_uid=f"chart_revisions.{model.__name__}")
