"""Import lanes: each characteristic's subgroups stored in file order by one lane, an error
in a lane ends the import, and a two-lane import stores what a one-lane import stores."""

from __future__ import annotations

import io
import pickle
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from ingest.imports import lanes, runner, services
from ingest.imports.lane_process import LaneError, LaneProcesses, use_processes
from ingest.imports.lanes import Lanes
from ingest.imports.models import ImportState
from ingest.imports.subgroups import Parsed
from spc.models import Characteristic, Sample
from spc.tests.factories import CharacteristicFactory


def _collect(count: int, size: int, items: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    batches: list[list[tuple[int, int]]] = []
    with Lanes(count, size, lambda item: item[0], batches.append) as pool:
        for item in items:
            pool.add(item)
    return batches


def test_one_lane_stores_in_the_calling_thread_in_file_order() -> None:
    threads: set[str] = set()

    def store(batch: list[int]) -> None:
        threads.add(threading.current_thread().name)
        stored.extend(batch)

    stored: list[int] = []
    with Lanes(1, 3, lambda item: item % 2, store) as pool:
        for item in range(10):
            pool.add(item)
    assert stored == list(range(10))
    assert threads == {threading.current_thread().name}


def test_each_characteristic_keeps_to_one_lane_and_its_order() -> None:
    items = [(cid, n) for n in range(50) for cid in (7, 8, 9)]
    batches = _collect(2, 4, items)
    assert sum(len(b) for b in batches) == len(items)
    for cid in (7, 8, 9):
        in_order = [n for batch in batches for c, n in batch if c == cid]
        assert in_order == list(range(50))  # one lane per characteristic: never reordered
    # 7 and 9 share lane 0, 8 has lane 1: a batch never mixes 8 with the others
    assert all({c for c, _ in b} in ({7, 9}, {7}, {9}, {8}) for b in batches)


def test_an_error_in_a_lane_ends_the_feed_with_that_error() -> None:
    def store(batch: list[tuple[int, int]]) -> None:
        if batch[0][0] == 2:
            raise ValueError("lane failed")

    def feed() -> None:
        with Lanes(2, 2, lambda item: item[0], store) as pool:
            for n in range(200):  # far more than the queues hold: the reader never blocks
                pool.add((1 + n % 2, n))

    with pytest.raises(ValueError, match="lane failed"):
        feed()


def test_lanes_only_on_postgresql_outside_a_transaction(settings: Any) -> None:
    settings.OPENSPC_IMPORT_LANES = 3
    expected = 3 if connection.vendor == "postgresql" else 1
    assert lanes.lane_count() == expected


@pytest.mark.django_db
def test_inside_a_transaction_there_is_one_lane(settings: Any) -> None:
    settings.OPENSPC_IMPORT_LANES = 3
    assert lanes.lane_count() == 1  # a lane's connection could not see this test's rows


def _csv(names: list[str], rows: int) -> bytes:
    lines = ["Zeit;Merkmal;Wert"]
    for i in range(rows):
        name = names[i % len(names)]
        value = 10 + ((i * 7919) % 13 - 6) / 3  # a few points beyond the limits
        decimal_comma = f"{value:.4f}".replace(".", ",")
        stamp = f"01.03.2026 {8 + i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}"
        lines.append(f"{stamp};{name};{decimal_comma}")
    return "\n".join(lines).encode()


def _series(char: Characteristic) -> list[tuple[float, float | None, list[int]]]:
    return [
        (s.value, s.z_score, sorted(v.rule for v in s.violations.all()))
        for s in Sample.objects.filter(characteristic=char).order_by("id")
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="lanes run on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_two_lanes_store_what_one_lane_stores(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.OPENSPC_IMPORTS_DIR = str(tmp_path)
    monkeypatch.setattr(runner, "BATCH", 7)  # many batches per lane
    limits = {"center_line": 10.0, "ucl": 11.5, "lcl": 8.5, "sigma": 0.5}
    outcome = {}
    # one lane; two lane threads; two lane threads, each with its process
    for count, processes in ((1, 0), (2, 0), (2, 1)):
        settings.OPENSPC_IMPORT_LANES = count
        settings.OPENSPC_IMPORT_PROCESS_ROWS = processes
        run = f"{count}{processes}"
        chars = [CharacteristicFactory.create(name=f"L{run}-{i}", **limits) for i in range(3)]
        data = _csv([c.name for c in chars], 300)
        record, _ = services.create(
            io.BytesIO(data),
            f"lanes{run}.csv",
            {
                "timestamp_column": "Zeit",
                "characteristic_column": "Merkmal",
                "value_columns": ["Wert"],
            },
        )
        record = services.start(record)
        record.refresh_from_db()
        assert record.state == ImportState.DONE, record.message
        assert (record.stored, record.rows_done) == (300, 300), record.problems[:3]
        outcome[run] = [_series(c) for c in chars]
        assert record.violations == sum(len(v) for series in outcome[run] for *_, v in series)
    assert outcome["10"] == outcome["20"] == outcome["21"]
    assert all(len(series) == 100 for series in outcome["21"])
    assert any(rules for series in outcome["21"] for *_, rules in series)  # the rules ran


def test_processes_only_for_big_files_unless_configured(settings: Any) -> None:
    settings.OPENSPC_IMPORT_PROCESS_ROWS = 100_000
    assert (use_processes(99_999, 2), use_processes(100_000, 2)) == (False, True)
    assert not use_processes(10**9, 1)  # one lane stores in the job's own thread
    settings.OPENSPC_IMPORT_PROCESS_ROWS = 0
    assert not use_processes(10**9, 2)


def test_a_parsed_subgroup_travels_to_a_lane_process_unchanged() -> None:
    stamp = datetime(2026, 3, 1, 8, tzinfo=UTC)
    parsed = Parsed(7, 3, stamp, [1.5, 2.0], 4.0, 5.0, "B", "O", 2, "P")
    assert pickle.loads(pickle.dumps([parsed, parsed]))[1] == parsed


@pytest.mark.skipif(connection.vendor != "postgresql", reason="lanes run on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_a_lane_process_error_comes_back_with_its_text_and_the_process_goes_on(
    tmp_path: Path,
) -> None:
    char = CharacteristicFactory.create(center_line=10.0, ucl=11.5, lcl=8.5, sigma=0.5)
    stamp = datetime(2026, 3, 1, 8, tzinfo=UTC)
    with LaneProcesses(1) as children:
        child = children.for_this_thread()
        with pytest.raises(LaneError, match="TypeError"):
            child.store(None, "imp:x:", None)  # not a list: the child fails
        outcome = child.store([Parsed(2, char.pk, stamp, [10.2])], "imp:x:", None)
    assert (outcome.stored, outcome.done, outcome.characteristic_ids) == (1, 1, {char.pk})
    assert Sample.objects.get(characteristic=char).idempotency_key == "imp:x:2"
    assert child.process.returncode == 0  # it ended when its input did
