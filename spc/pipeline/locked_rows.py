"""The characteristic rows a pipeline batch locks, built into model instances once per version.

Every batch locks its characteristics' rows (``SELECT ... FOR UPDATE``) so that two
processes writing one characteristic take turns. Building a model instance per row and
batch (field conversion, the rules' JSON, Django's init signals) cost as much as the
statistics for a batch touching hundreds of characteristics. On PostgreSQL the lock
query reads only each row's version (the ``xmin`` system column, which every UPDATE of
the row changes and row locks do not) and the hierarchy path; an instance is rebuilt only
when its row changed since this process last built it. That holds only when the lock is
the first statement of its own transaction (``reuse``): a transaction that changed a row
itself sees its own xid as the row's version however often it changed it. SQLite has no
row version: there the version is the row itself, its columns as stored (read without
Django's conversions, which is what cost), so an instance is rebuilt only when a column
differs, inside a transaction that changed it or not.

The instances are shared between batches and must be treated as read-only; the pipeline's
configuration for each is kept with it (``config``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from django.db import connections, router
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL

from spc.core.evaluate import CharacteristicConfig
from spc.models import Characteristic
from spc.pipeline.bulk_rows import pg_array

_CONFIG_ATTRIBUTE = "_pipeline_config"


class LockedRows:
    """Lock characteristic rows in the current transaction; reuse unchanged instances."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.builds = 0
        self._instances: OrderedDict[int, tuple[Any, Characteristic]] = OrderedDict()
        self._guard = threading.Lock()
        self._lock_sql: str | None = None

    def lock(self, ids: list[int], reuse: bool) -> dict[int, Characteristic]:
        """Lock the rows of ``ids`` (in id order) and return their instances by id, each
        annotated with ``node_path``. Call inside a transaction; ``reuse`` only when this
        is its first statement (no earlier write of it can hide behind a version)."""
        connection = connections[router.db_for_write(Characteristic)]
        if connection.vendor == "postgresql":
            if not reuse:
                loaded = list(_locking(ids).annotate(node_path=F("hierarchy__path")))
                self.builds += len(loaded)
                return {char.pk: char for char in loaded}
            rows: list[tuple[int, Any, str]] = self._versions(ids, connection)
        else:
            rows = _stored_rows(_locking(ids).annotate(node_path=F("hierarchy__path")), connection)
        with self._guard:
            known = {pk: self._instances.get(pk) for pk, _, _ in rows}
        stale = [pk for pk, row_version, _ in rows if (known[pk] or ("",))[0] != row_version]
        if stale:
            # Loaded in the same transaction as the versions, so they match them: on
            # PostgreSQL the rows are locked, on SQLite the transaction reads one snapshot.
            versions = {pk: row_version for pk, row_version, _ in rows}
            for char in Characteristic.objects.filter(pk__in_array=stale):
                known[char.pk] = (versions[char.pk], char)
                self.builds += 1
            with self._guard:
                for pk in stale:
                    entry = known[pk]
                    if entry is not None:
                        self._instances[pk] = entry
                while len(self._instances) > self.size:
                    self._instances.popitem(last=False)
        chars: dict[int, Characteristic] = {}
        for pk, _, path in rows:
            entry = known[pk]
            assert entry is not None
            char = entry[1]
            char.node_path = path  # type: ignore[attr-defined]  # the hierarchy may have moved
            chars[pk] = char
        return chars

    def _versions(self, ids: list[int], connection: Any) -> list[tuple[int, Any, str]]:
        """PostgreSQL: lock the rows, read (pk, row version, node path). The statement
        depends only on the models, so Django compiles it once per process; compiling it
        (or only building its query set) per batch cost more than running it."""
        sql = self._lock_sql
        if sql is None:
            table = connection.ops.quote_name(Characteristic._meta.db_table)
            version = RawSQL(f"{table}.xmin::text", ())
            query = _locking(ids).annotate(node_path=F("hierarchy__path"), row_version=version)
            values = query.values_list("pk", "row_version", "node_path")
            sql, params = values.query.sql_with_params()
            if list(params) != [pg_array(ids)]:  # not the one-array statement: not kept
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    return cursor.fetchall()
            self._lock_sql = sql
        with connection.cursor() as cursor:
            cursor.execute(sql, [pg_array(ids)])
            return cursor.fetchall()

    def clear(self) -> None:
        """Forget every instance (tests; a process that changed rows without UPDATE)."""
        with self._guard:
            self._instances.clear()


def _locking(ids: list[int]) -> QuerySet[Characteristic]:
    """The rows of ``ids`` locked for update, in id order."""
    return (
        Characteristic.objects.select_for_update(of=("self",))
        .filter(pk__in_array=ids)
        .order_by("pk")
    )


def _stored_rows(locking: QuerySet[Characteristic], connection: Any) -> list[tuple[int, Any, str]]:
    """(pk, the row's columns as stored, node path) per locked row, through the cursor:
    without the field conversions (the rules' JSON, the instants) that made building
    instances cost."""
    columns = [field.attname for field in Characteristic._meta.concrete_fields]
    sql, params = locking.values_list("pk", "node_path", *columns).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(row[0], row[2:], row[1]) for row in cursor.fetchall()]


def cached_config(char: Characteristic, build: Any) -> CharacteristicConfig:
    """``build(char)`` once per instance: instances from ``LockedRows`` live as long as
    their row version, so their configuration is kept with them."""
    config = char.__dict__.get(_CONFIG_ATTRIBUTE)
    if config is None:
        config = build(char)
        char.__dict__[_CONFIG_ATTRIBUTE] = config
    return config
