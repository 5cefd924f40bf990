"""Rolling windows of charted points, one per characteristic, cached in memory.

The database is the truth. A cached window is used only while it is provably current: its
characteristic's ``revision`` (bumped on exclusion and limit changes) is the one it was
built for and its newest key is the newest included sample in the database. Anything else
(another process stored a sample, a sample was excluded, the cache evicted it) makes the
pipeline rebuild it from the stored points, which carry everything the rules read.

Points are ordered by source time, then sample id (``spc.pipeline.late`` puts a late sample
in its place), so a window is the newest points of the series the rules read.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.db import connections, router
from django.db.models import OuterRef, Subquery

from spc.core.types import Point, Zone
from spc.core.window import RollingWindow
from spc.models import Characteristic, Sample
from spc.pipeline.bulk_rows import pg_array

POINT_FIELDS = (
    "id",
    "value",
    "actual_n",
    "center_line",
    "ucl",
    "lcl",
    "z_score",
    "zone",
    "is_undersized",
    "mean",
    "range",
    "std_dev",
    "secondary_value",
    "state",
)


@dataclass(slots=True)
class CachedWindow:
    """A window with the characteristic revision and capacity it was built for."""

    revision: int
    capacity: int
    window: RollingWindow


def point_from_row(row: dict[str, Any]) -> Point:
    """Rebuild a core point from a stored sample's columns (see ``POINT_FIELDS``)."""
    zone = row["zone"]
    state = row["state"] or []
    return Point(
        value=float(row["value"]),
        n=float(row["actual_n"]),
        center_line=row["center_line"],
        ucl=row["ucl"],
        lcl=row["lcl"],
        z=row["z_score"],
        zone=Zone(zone) if zone else None,
        is_undersized=bool(row["is_undersized"]),
        mean=row["mean"],
        range=row["range"],
        std_dev=row["std_dev"],
        secondary_value=row["secondary_value"],
        state=tuple(float(v) for v in state),
    )


def load_window(characteristic_id: int, capacity: int) -> RollingWindow:
    """The newest ``capacity`` included samples of a characteristic as a window."""
    rows = list(
        Sample.objects.filter(characteristic_id=characteristic_id, is_excluded=False)
        .order_by("-timestamp", "-id")
        .values(*POINT_FIELDS)[:capacity]
    )
    rows.reverse()
    return _window_of(rows, capacity)


def _window_of(rows: list[dict[str, Any]], capacity: int) -> RollingWindow:
    """A window of stored points (rows of ``POINT_FIELDS``, oldest first)."""
    return RollingWindow.from_points(((point_from_row(r), r["id"]) for r in rows), capacity)


def load_windows(capacities: dict[int, int]) -> dict[int, RollingWindow]:
    """``load_window`` for several characteristics (id -> capacity).

    On PostgreSQL one ``LATERAL`` query reads each characteristic's newest points by its
    (characteristic, id) index; a worker starting on a thousand characteristics otherwise
    spent its first seconds on a thousand round trips. Elsewhere one query each.
    """
    if not capacities:
        return {}
    connection = connections[router.db_for_read(Sample)]
    if connection.vendor != "postgresql" or len(capacities) == 1:
        return {cid: load_window(cid, capacity) for cid, capacity in capacities.items()}
    quote = connection.ops.quote_name
    fields = (*POINT_FIELDS, "timestamp")
    columns = ", ".join(f"s.{quote(name)}" for name in fields)  # columns by these names
    ids = sorted(capacities)
    rows: dict[int, list[dict[str, Any]]] = {cid: [] for cid in ids}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.cid, {columns} FROM unnest(%s::bigint[], %s::int[]) AS c(cid, cap) "
            f"CROSS JOIN LATERAL (SELECT {columns} FROM {quote(Sample._meta.db_table)} s "
            "WHERE s.characteristic_id = c.cid AND NOT s.is_excluded "
            "ORDER BY s.timestamp DESC, s.id DESC LIMIT c.cap) s",
            [pg_array(ids), pg_array(capacities[cid] for cid in ids)],
        )
        for cid, *values in cursor.fetchall():
            row = dict(zip(fields, values, strict=True))
            if isinstance(row["state"], str):  # Django reads jsonb as text for JSONField
                row["state"] = json.loads(row["state"])
            rows[cid].append(row)
    return {
        cid: _window_of(sorted(rows[cid], key=lambda r: (r["timestamp"], r["id"])), capacities[cid])
        for cid in ids
    }


def newest_included_id(characteristic_id: int) -> int | None:
    """Id of the newest included sample of a characteristic by source time (one indexed
    query)."""
    found = newest_included([characteristic_id]).get(characteristic_id)
    return None if found is None else found[0]


def newest_included(characteristic_ids: list[int]) -> dict[int, tuple[int, datetime]]:
    """(id, source time) of the newest included sample of each characteristic that has one,
    in one query: what the pipeline checks its cached windows against and sorts late
    samples by.

    One index probe per characteristic (newest first on (characteristic, timestamp)); a
    GROUP BY with MAX would read every stored sample of every characteristic.
    """
    if not characteristic_ids:
        return {}
    connection = connections[router.db_for_read(Sample)]
    if connection.vendor == "postgresql":
        # The statement as written (no ORM compile per batch: for a single sample, as a
        # REST post stores, compiling it was a fifth of the batch's CPU), the time as exact
        # integer microseconds since the epoch: the driver's timestamptz loader, in Python
        # under Django's time zone handling, cost more than the query for hundreds of rows.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.cid, s.id, (extract(epoch FROM s.timestamp) * 1000000)::bigint "
                "FROM unnest(%s::bigint[]) AS c(cid) "
                "CROSS JOIN LATERAL (SELECT id, timestamp FROM "
                f"{connection.ops.quote_name(Sample._meta.db_table)} "
                "WHERE characteristic_id = c.cid AND NOT is_excluded "
                "ORDER BY timestamp DESC, id DESC LIMIT 1) AS s",
                [pg_array(characteristic_ids)],
            )
            return {
                cid: (pk, EPOCH + timedelta(microseconds=micros))
                for cid, pk, micros in cursor.fetchall()
            }
    if len(characteristic_ids) == 1:
        cid = characteristic_ids[0]
        only = (
            Sample.objects.filter(characteristic_id=cid, is_excluded=False)
            .order_by("-timestamp", "-id")
            .values_list("id", "timestamp")
            .first()
        )
        return {} if only is None else {cid: only}
    newest = Sample.objects.filter(characteristic_id=OuterRef("pk"), is_excluded=False).order_by(
        "-timestamp", "-id"
    )
    rows = (
        Characteristic.objects.filter(pk__in_array=characteristic_ids)
        .annotate(
            newest=Subquery(newest.values("id")[:1]),
            newest_at=Subquery(newest.values("timestamp")[:1]),
        )
        .values_list("pk", "newest", "newest_at")
    )
    return {pk: (value, stamp) for pk, value, stamp in rows if value is not None}


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

LOCK_STRIPES = 1024
"""Characteristics share this many locks (id modulo), so the lock table stays bounded."""

_UNKNOWN = object()


class WindowCache:
    """Bounded LRU of rolling windows plus striped per-characteristic locks.

    The lock serialises submissions for one characteristic inside this process; across
    processes the pipeline's ``SELECT ... FOR UPDATE`` on the characteristic row does.
    Work on several characteristics takes their locks with :meth:`locks`, always in the
    same (stripe) order, so two batches never wait for each other in a circle.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._windows: OrderedDict[int, CachedWindow] = OrderedDict()
        self._guard = threading.Lock()
        self._stripes = [threading.RLock() for _ in range(LOCK_STRIPES)]
        self.loads = 0

    def lock(self, characteristic_id: int) -> threading.RLock:
        """The lock that serialises work on one characteristic in this process."""
        return self._stripes[characteristic_id % LOCK_STRIPES]

    def locks(self, characteristic_ids: Iterable[int]) -> list[threading.RLock]:
        """The locks of several characteristics, each once, in the order to take them."""
        stripes = sorted({cid % LOCK_STRIPES for cid in characteristic_ids})
        return [self._stripes[i] for i in stripes]

    def current(
        self, char: Characteristic, capacity: int, newest_id: object = _UNKNOWN
    ) -> RollingWindow:
        """The characteristic's window, rebuilt from the database unless provably current.

        ``newest_id`` is the newest included sample id when the caller already read it
        (``None``: the characteristic has none); otherwise it is queried here.
        Call with the characteristic's lock held and its row locked in the transaction.
        """
        if newest_id is _UNKNOWN:
            newest_id = newest_included_id(char.pk)
        newest = {} if newest_id is None else {char.pk: cast(int, newest_id)}
        return self.current_many([char], {char.pk: capacity}, newest)[char.pk]

    def current_many(
        self, chars: list[Characteristic], capacities: dict[int, int], newest: dict[int, int]
    ) -> dict[int, RollingWindow]:
        """``current`` for several characteristics, loading the stale ones together.

        ``newest`` holds the newest included sample id of each that has one.
        Call with their locks held and their rows locked in the transaction.
        """
        found: dict[int, RollingWindow] = {}
        stale: dict[int, int] = {}
        ids = [char.id for char in chars]  # ``id``, not ``pk``: no property per access
        with self._guard:
            cached = {cid: self._windows.get(cid) for cid in ids}
            for cid in ids:
                if cached[cid] is not None:
                    self._windows.move_to_end(cid)
        for cid, char in zip(ids, chars, strict=True):
            entry = cached[cid]
            capacity = capacities[cid]
            if (
                entry is not None
                and entry.revision == char.revision
                and entry.capacity >= capacity
                and entry.window.newest_key() == newest.get(cid)
            ):
                found[cid] = entry.window
                continue
            stale[cid] = capacity
        if stale:
            loaded = load_windows(stale)
            self.loads += len(loaded)
            revisions = {cid: char.revision for cid, char in zip(ids, chars, strict=True)}
            for cid, window in loaded.items():
                self.put(cid, revisions[cid], stale[cid], window)
            found.update(loaded)
        return found

    def put(
        self, characteristic_id: int, revision: int, capacity: int, window: RollingWindow
    ) -> None:
        """Store a window, evicting the least recently used beyond the size."""
        with self._guard:
            self._windows[characteristic_id] = CachedWindow(revision, capacity, window)
            self._windows.move_to_end(characteristic_id)
            while len(self._windows) > self.size:
                self._windows.popitem(last=False)

    def invalidate(self, characteristic_id: int) -> None:
        """Forget a characteristic's window (it is rebuilt on next use)."""
        with self._guard:
            self._windows.pop(characteristic_id, None)

    def clear(self) -> None:
        """Forget every window."""
        with self._guard:
            self._windows.clear()

    def __len__(self) -> int:
        return len(self._windows)


windows = WindowCache(settings.OPENSPC_WINDOW_CACHE_SIZE)
