"""Plain multi-row INSERTs for the pipeline's hot path.

``QuerySet.bulk_create`` compiles every value of every row through the field machinery,
which for a batch of thousands of samples costs more than evaluating them. These helpers
write the same columns with one parametrised statement per chunk and convert only the
values that need it (datetimes, JSON). Both backends return the new ids in row order from
``RETURNING`` (PostgreSQL, SQLite 3.35+), as ``bulk_create`` itself relies on.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from operator import itemgetter
from types import NoneType
from typing import Any, TypeVar

from django.db import connections, models, router
from django.db.models.base import ModelState
from django.db.models.lookups import Lookup

CHUNK_ROWS = 500

M = TypeVar("M", bound=models.Model)


def _converter(field: models.Field[Any, Any], connection: Any) -> Callable[[Any], Any] | None:
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.JSONField):
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def insert_objects(objects: Sequence[models.Model]) -> None:
    """INSERT unsaved instances of one model and set each one's primary key.

    Values are taken as they are (no ``pre_save``: set ``auto_now_add`` fields yourself).
    """
    if not objects:
        return
    model = type(objects[0])
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    converters = [_converter(f, connection) for f in fields]
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    head = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
    )
    tail = f" RETURNING {quote(meta.pk.column)}"
    attnames = [f.attname for f in fields]
    if connection.vendor == "postgresql":
        _insert_unnest(objects, fields, connection, head.removesuffix("VALUES "), tail)
        return
    with connection.cursor() as cursor:
        for start in range(0, len(objects), CHUNK_ROWS):
            chunk = objects[start : start + CHUNK_ROWS]
            params: list[Any] = []
            for obj in chunk:
                for attname, convert in zip(attnames, converters, strict=True):
                    value = getattr(obj, attname)
                    params.append(value if convert is None or value is None else convert(value))
            cursor.execute(head + ", ".join([row_sql] * len(chunk)) + tail, params)
            for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                setattr(obj, meta.pk.attname, pk)
                obj._state.adding = False
                obj._state.db = connection.alias


def unsaved(model: type[M], values: dict[str, Any]) -> M:
    """An unsaved instance of ``model`` holding ``values`` (by attname), defaults elsewhere.

    What ``model(**values)`` builds, without the per-keyword field walk and the init
    signals, which for the pipeline's thousands of rows per batch cost more than their
    statistics. Only for models nobody connects ``pre_init``/``post_init`` to.
    """
    obj = model.__new__(model)
    obj._state = ModelState()
    fixed, made = _defaults(model)
    state = obj.__dict__
    state.update(fixed)  # defaults that are plain values, shared safely (immutable)
    for attname, field in made:
        if attname not in values:
            state[attname] = field.get_default()  # a fresh list, dict or time per object
    state.update(values)
    return obj


_DEFAULTS: dict[
    type[models.Model], tuple[dict[str, Any], list[tuple[str, models.Field[Any, Any]]]]
] = {}
_IMMUTABLE = (NoneType, bool, int, float, str, bytes)


def _defaults(
    model: type[models.Model],
) -> tuple[dict[str, Any], list[tuple[str, models.Field[Any, Any]]]]:
    """A model's concrete fields' defaults: the immutable ones as values, worked out once,
    and the fields whose default must be made per object (callables, mutable values)."""
    found = _DEFAULTS.get(model)
    if found is None:
        fixed: dict[str, Any] = {}
        made: list[tuple[str, models.Field[Any, Any]]] = []
        for field in model._meta.concrete_fields:
            default = field.get_default()
            made_per_call = field.has_default() and callable(field.default)
            if not made_per_call and type(default) in _IMMUTABLE:
                fixed[field.attname] = default
            else:
                made.append((field.attname, field))
        found = (fixed, made)
        _DEFAULTS[model] = found
    return found


class InArray(Lookup):
    """``field__in_array=ids``: ``= ANY(%s::bigint[])`` with one array parameter on
    PostgreSQL, a plain ``IN`` list elsewhere.

    ``__in`` turns every id into a parameter that Django prepares and psycopg splits and
    quotes one by one; a batch's lock, newest-sample and open-count queries each carried
    hundreds.
    """

    lookup_name = "in_array"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        ids = [int(value) for value in self.rhs]
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, pg_array(ids)]
        if not ids:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(ids))})", [*lhs_params, *ids]


models.IntegerField.register_lookup(InArray)
models.ForeignKey.register_lookup(InArray)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _array_element(value: Any) -> str:
    kind = type(value)
    if value is None:
        return "NULL"
    if kind is int:
        return str(value)
    if kind is float:
        if math.isfinite(value):
            return repr(value)
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if kind is bool:
        return "t" if value else "f"
    if kind is str:
        return _quoted(value)
    if isinstance(value, datetime | date):
        return _quoted(value.isoformat())
    return _quoted(str(value))


def pg_array(values: Iterable[Any]) -> str:
    """A PostgreSQL array literal (``{1.5,NULL,"a \\"b\\""}``) of plain Python values.

    Sent as one text parameter and cast in SQL (``%s::float8[]``): psycopg adapts a list
    element by element in Python, which for the pipeline's batches of thousands of rows
    took longer than the database's insert; joining the literal here is a few C-level
    string operations per value. Floats use ``repr`` (the shortest text that reads back
    as the same double), so no digit is lost.
    """
    items = list(values)
    kinds = set(map(type, items))
    nullable = NoneType in kinds
    kinds.discard(NoneType)
    if len(kinds) == 1:
        body = _same_kind_body(kinds.pop(), items, nullable)
        if body is not None:
            return "{" + body + "}"
    return "{" + ",".join(map(_array_element, items)) + "}"


def _same_kind_body(kind: type, items: list[Any], nullable: bool) -> str | None:
    """The array body of values of one plain type (and NULLs) joined at C speed, or None
    where an element needs :func:`_array_element` (a non-finite float, a quote)."""
    if kind is int or kind is float:
        if nullable:
            body = ",".join(["NULL" if v is None else repr(v) for v in items])
        else:
            body = ",".join(map(repr, items))
        # repr spells the non-finite floats "inf", "-inf" and "nan"; no finite one has an n.
        return body if kind is int or "n" not in body else None
    if kind is str and not nullable:
        text = "".join(items)
        if '"' not in text and "\\" not in text:
            return '"' + '","'.join(items) + '"'
    if kind is datetime and not nullable:  # ISO texts hold no quote or backslash
        return '"' + '","'.join([value.isoformat() for value in items]) + '"'
    return None


_DB_TYPES: dict[tuple[str, models.Field[Any, Any]], str] = {}


def _db_type(field: models.Field[Any, Any], connection: Any) -> str:
    """``field.db_type(connection)``, worked out once per field and database vendor (it
    formats the type from the field's attributes on every call: 0.3 ms for a sample's
    columns, a fifth of a one-sample batch's statements)."""
    key = (connection.vendor, field)
    found = _DB_TYPES.get(key)
    if found is None:
        found = _DB_TYPES[key] = str(field.db_type(connection))
    return found


def _array_type(field: models.Field[Any, Any], connection: Any) -> str:
    if isinstance(field, models.JSONField):
        return "text[]::jsonb[]"
    return f"{_db_type(field, connection)}[]"


def _insert_unnest(
    objects: Sequence[models.Model],
    fields: list[models.Field[Any, Any]],
    connection: Any,
    head: str,
    tail: str,
) -> None:
    """PostgreSQL: one array parameter per column, ``INSERT ... SELECT ... FROM unnest(...)``.

    A statement with thousands of placeholders is slow to build, send and parse; a few
    arrays are not. ``unnest`` yields the rows in array order, so ids return in order.
    A column whose value is the same in every row (the receipt time of a batch, an empty
    operator, a Shewhart chart's empty state) is sent once as a plain parameter.
    """
    selected: list[str] = []
    scalars: list[Any] = []
    arrays: list[str] = []
    casts: list[str] = []
    # Read from each instance's dictionary, where the model's ``__init__`` and ``unsaved``
    # put every field's value: a foreign key's ``*_id`` attribute is a data descriptor, a
    # Python call per row (1.3 -> 0.7 us a sample row over its columns).
    states = [obj.__dict__ for obj in objects]
    for index, field in enumerate(fields):
        values = list(map(itemgetter(field.attname), states))
        json_field = isinstance(field, models.JSONField)
        first = values[0]
        if len(values) > 1 and (index or arrays) and values.count(first) == len(values):
            if json_field and first is not None:
                first = json.dumps(first)
            selected.append(f"%s::{_db_type(field, connection)}")
            scalars.append(first)
            continue
        if json_field:
            values = [None if value is None else json.dumps(value) for value in values]
        name = f"c{index}"
        selected.append(f"u.{name}")
        arrays.append(pg_array(values))
        casts.append(f"%s::{_array_type(field, connection)}")
    names = ", ".join(name.removeprefix("u.") for name in selected if name.startswith("u."))
    sql = f"{head}SELECT {', '.join(selected)} FROM unnest({', '.join(casts)}) AS u({names}){tail}"
    pk_name = objects[0]._meta.pk.attname  # the attribute: ``.pk`` is a property
    with connection.cursor() as cursor:
        cursor.execute(sql, [*scalars, *arrays])
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            setattr(obj, pk_name, pk)
            obj._state.adding = False
            obj._state.db = connection.alias


def insert_tuples(
    model: type[models.Model], names: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """INSERT plain value tuples into ``names`` (field names) of ``model`` with executemany.

    The values must already be what the database takes (numbers, strings, ids).
    """
    if not rows:
        return
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(meta.get_field(name).column)) for name in names)  # type: ignore[union-attr]
    values = ", ".join(["%s"] * len(names))
    if connection.vendor == "postgresql":
        fields = [meta.get_field(name) for name in names]
        casts = ", ".join(f"%s::{_array_type(f, connection)}" for f in fields)  # type: ignore[arg-type]
        arrays = [pg_array(column) for column in zip(*rows, strict=True)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT * FROM unnest({casts})",
                arrays,
            )
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({values})", rows
        )


def update_column(model: type[models.Model], name: str, pairs: list[tuple[Any, Any]]) -> None:
    """Set field ``name`` to a value per primary key: ``pairs`` of (value, pk)."""
    if not pairs:
        return
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    field = meta.get_field(name)
    column = quote(str(field.column))  # type: ignore[union-attr]
    pk = quote(meta.pk.column)
    if connection.vendor == "postgresql":  # one statement, not one per row
        table = quote(meta.db_table)
        values = _array_type(field, connection)  # type: ignore[arg-type]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {column} = v.value FROM unnest(%s::{values}, "
                f"%s::bigint[]) AS v(value, pk) WHERE {table}.{pk} = v.pk",
                [pg_array(value for value, _ in pairs), pg_array(key for _, key in pairs)],
            )
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(meta.db_table)} SET {column} = %s WHERE {pk} = %s", pairs
        )


def stored_keys(
    model: type[models.Model], owner: str, key: str, wanted: set[tuple[int, str]]
) -> dict[tuple[int, str], int]:
    """Which (owner id, key) pairs exist in ``model`` and their primary keys.

    One query that probes the (owner, key) unique index once per wanted pair, on both
    backends, in a form no planner statistics can turn into a scan. ``owner__in`` with
    ``key__in`` would probe every combination.
    """
    if not wanted:
        return {}
    meta = model._meta
    connection = connections[router.db_for_read(model)]
    quote = connection.ops.quote_name
    owner_column = quote(str(meta.get_field(owner).column))  # type: ignore[union-attr]
    key_column = quote(str(meta.get_field(key).column))  # type: ignore[union-attr]
    pairs = sorted(wanted)
    found: dict[tuple[int, str], int] = {}
    if connection.vendor == "postgresql":
        # One index probe per pair, whatever the statistics say: as a join, the planner
        # took a merge join over the whole key index when its statistics had most keys
        # NULL, and that read every key stored since, for every batch.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT wanted.owner, wanted.key, found.pk "
                f"FROM unnest(%s::bigint[], %s::text[]) AS wanted(owner, key) "
                f"CROSS JOIN LATERAL (SELECT {quote(meta.pk.column)} AS pk "
                f"FROM {quote(meta.db_table)} WHERE {owner_column} = wanted.owner "
                f"AND {key_column} = wanted.key LIMIT 1) AS found",
                [pg_array(o for o, _ in pairs), pg_array(k for _, k in pairs)],
            )
            return {(o, k): pk for o, k, pk in cursor.fetchall()}
    # SQLite: ``(owner, key) IN (VALUES ...)`` scanned the whole table (the unique index
    # is partial, on keys that are not NULL, and an IN list does not imply that), 95 ms a
    # batch beside a plant's history. CROSS JOIN keeps the wanted pairs as the outer loop.
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), CHUNK_ROWS):
            chunk = pairs[start : start + CHUNK_ROWS]
            values = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(
                f"SELECT stored.{owner_column}, stored.{key_column}, "
                f"stored.{quote(meta.pk.column)} "
                f"FROM (VALUES {values}) AS wanted CROSS JOIN {quote(meta.db_table)} AS stored "
                f"WHERE stored.{owner_column} = wanted.column1 "
                f"AND stored.{key_column} = wanted.column2 "
                f"AND stored.{key_column} IS NOT NULL",
                [v for pair in chunk for v in pair],
            )
            found.update(((o, k), pk) for o, k, pk in cursor.fetchall())
    return found
