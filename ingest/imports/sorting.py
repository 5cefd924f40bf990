"""Source-time order per characteristic in bounded memory: an external merge sort.

A file whose rows are in time order per characteristic (the usual export) is fed as it is
read. Otherwise the subgroups are sorted in runs of ``RUN`` kept in temporary files and
merged, so a million rows never sit in memory at once.
"""

from __future__ import annotations

import heapq
import pickle
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from typing import IO

from ingest.imports.subgroups import Parsed

RUN = 100_000


def _key(item: Parsed) -> tuple[int, float, int]:
    return (item.characteristic_id, item.stamp.timestamp(), item.row)


def in_time_order(items: Iterable[Parsed]) -> Iterator[Parsed]:
    """``items`` ordered by characteristic, source time, row (a stable, external sort)."""
    with ExitStack() as stack:
        runs: list[IO[bytes]] = []
        chunk: list[Parsed] = []
        for item in items:
            chunk.append(item)
            if len(chunk) >= RUN:
                runs.append(_spill(chunk, stack))
                chunk = []
        chunk.sort(key=_key)
        if not runs:
            yield from chunk
            return
        streams = [_unspill(run) for run in runs]
        yield from heapq.merge(*streams, iter(chunk), key=_key)


def _spill(chunk: list[Parsed], stack: ExitStack) -> IO[bytes]:
    chunk.sort(key=_key)
    handle = stack.enter_context(tempfile.TemporaryFile(prefix="openspc-import-"))  # noqa: SIM115
    for start in range(0, len(chunk), 5000):
        pickle.dump(chunk[start : start + 5000], handle, protocol=pickle.HIGHEST_PROTOCOL)
    handle.seek(0)
    return handle


def _unspill(handle: IO[bytes]) -> Iterator[Parsed]:
    while True:
        try:
            block = pickle.load(handle)
        except EOFError:
            return
        yield from block
