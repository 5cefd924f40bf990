"""``pg_array``: the array literals the pipeline's PostgreSQL bulk statements send;
``stored_keys``: the idempotency lookup of every batch.

The literal syntax is PostgreSQL's (documentation, "Array Value Input"): elements in
braces separated by commas, ``NULL`` unquoted, text in double quotes with ``\\`` and
``"`` escaped by a backslash. The round trips ask the real database to read the literal
back, so a value the syntax would mangle fails here.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from spc.models import Characteristic, Sample
from spc.pipeline.bulk_rows import pg_array, stored_keys, unsaved
from spc.tests.factories import CharacteristicFactory, SampleFactory


def test_literal_syntax() -> None:
    assert pg_array([1, None, 2]) == "{1,NULL,2}"
    assert pg_array(["a", 'say "hi"', "back\\slash", "NULL", ""]) == (
        '{"a","say \\"hi\\"","back\\\\slash","NULL",""}'
    )
    assert pg_array([True, False]) == "{t,f}"
    assert pg_array([float("nan"), float("inf"), -float("inf")]) == "{NaN,Infinity,-Infinity}"
    assert pg_array([]) == "{}"


def _read_back(literal: str, cast: str) -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT %s::{cast}", [literal])
        return list(cursor.fetchone()[0])


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL array literals"
)


@postgres_only
@pytest.mark.django_db
@given(st.lists(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True))))
def test_doubles_read_back_bit_for_bit(values: list[float | None]) -> None:
    back = _read_back(pg_array(values), "float8[]")
    assert len(back) == len(values)
    for sent, got in zip(values, back, strict=True):
        if sent is None or math.isnan(sent):
            assert got is None if sent is None else math.isnan(got)
        else:
            assert got == sent


# Text PostgreSQL can hold: no NUL, and no lone surrogates (no UTF-8 encoding exists).
storable_text = st.text(
    alphabet=st.characters(exclude_characters="\x00", exclude_categories=("Cs",))
)


@postgres_only
@pytest.mark.django_db
@given(st.lists(st.one_of(st.none(), storable_text)))
def test_text_reads_back_unchanged(values: list[str | None]) -> None:
    assert _read_back(pg_array(values), "text[]") == values


@postgres_only
@pytest.mark.django_db
def test_integers_and_instants_read_back() -> None:
    assert _read_back(pg_array([2**62, -1, None]), "bigint[]") == [2**62, -1, None]
    instant = datetime(2026, 11, 23, 13, 5, 7, 123456, tzinfo=UTC)
    assert _read_back(pg_array([instant]), "timestamptz[]") == [instant]


@pytest.mark.django_db
def test_in_array_selects_what_in_selects() -> None:
    chars = [CharacteristicFactory.create() for _ in range(4)]
    wanted = [chars[0].pk, chars[2].pk, chars[3].pk, 10**9]
    assert set(Characteristic.objects.filter(pk__in_array=wanted)) == {
        chars[0],
        chars[2],
        chars[3],
    }
    assert not Characteristic.objects.filter(pk__in_array=[]).exists()
    sample = SampleFactory.create(characteristic=chars[2])
    assert list(Sample.objects.filter(characteristic__in_array=[chars[2].pk])) == [sample]


def test_unsaved_builds_what_the_constructor_builds() -> None:
    stamp = datetime(2026, 11, 23, 13, 5, tzinfo=UTC)
    values = {
        "characteristic_id": 7,
        "timestamp": stamp,
        "received_at": stamp,
        "source": "MQTT",
        "actual_n": 1.0,
        "value": 10.5,
        "state": [1.0],
    }
    fast = unsaved(Sample, values)
    slow = Sample(**values)
    assert {k: v for k, v in fast.__dict__.items() if k != "_state"} == {
        k: v for k, v in slow.__dict__.items() if k != "_state"
    }
    assert fast._state.adding
    assert fast.pk is None
    assert unsaved(Sample, {}).state is not unsaved(Sample, {}).state  # fresh defaults


@pytest.mark.django_db
def test_stored_keys_finds_the_stored_pairs_only() -> None:
    first, second = CharacteristicFactory.create(), CharacteristicFactory.create()
    a = SampleFactory.create(characteristic=first, idempotency_key="a")
    b = SampleFactory.create(characteristic=second, idempotency_key="b")
    SampleFactory.create(characteristic=first, idempotency_key=None)
    wanted = {(first.pk, "a"), (first.pk, "b"), (second.pk, "b"), (second.pk, "a\"'"), (0, "a")}
    assert stored_keys(Sample, "characteristic", "idempotency_key", wanted) == {
        (first.pk, "a"): a.pk,
        (second.pk, "b"): b.pk,
    }
    assert stored_keys(Sample, "characteristic", "idempotency_key", set()) == {}


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_stored_keys_probes_the_key_index_on_sqlite() -> None:
    """One index search per pair, not a scan of the samples (the table holds a plant's
    history: a scan was 95 ms a batch)."""
    char = CharacteristicFactory.create()
    SampleFactory.create(characteristic=char, idempotency_key="a")
    with CaptureQueriesContext(connection) as queries:
        stored_keys(Sample, "characteristic", "idempotency_key", {(char.pk, "a"), (char.pk, "b")})
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + queries.captured_queries[-1]["sql"])
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert "SEARCH stored USING COVERING INDEX sample_idempotency_key_unique" in plan, plan
    assert "SCAN stored" not in plan, plan


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 2, 7])
def test_insert_objects_stores_every_value_with_constant_and_varying_columns(rows: int) -> None:
    from spc.pipeline.bulk_rows import insert_objects

    char = CharacteristicFactory.create()
    stamp = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    received = datetime(2026, 3, 1, 12, 5, tzinfo=UTC)
    samples = [
        unsaved(
            Sample,
            {
                "characteristic_id": char.pk,
                "timestamp": stamp.replace(second=i),  # varies
                "received_at": received,  # the same in every row
                "source": "MQTT",
                "operator": 'O"Brien' if i % 2 else "",  # varies, with a quote
                "batch_number": "B-7",
                "idempotency_key": f"k{i}" if i else None,
                "actual_n": 1,
                "value": 10.0 + i,
                "mean": 10.0,
                "state": [0.5, i] if i % 3 else [],
                "zone": "",
            },
        )
        for i in range(rows)
    ]
    insert_objects(samples)
    stored = {s.pk: s for s in Sample.objects.filter(characteristic=char)}
    assert len(stored) == rows
    for i, sample in enumerate(samples):
        back = stored[sample.pk]
        assert back.timestamp == stamp.replace(second=i)
        assert back.received_at == received
        assert back.operator == ('O"Brien' if i % 2 else "")
        assert back.batch_number == "B-7"
        assert back.idempotency_key == (f"k{i}" if i else None)
        assert back.value == 10.0 + i
        assert back.state == ([0.5, i] if i % 3 else [])
        assert back.is_excluded is False
