"""``process_many``: a list of subgroups in one transaction behaves like the same subgroups
sent one by one (same stored points, rules, involved samples and episodes), refuses bad
items alone, and replays keys seen before or earlier in the same list.

The characteristics are individuals charts with CL 10, UCL 13, LCL 7 (sigma 1), so a
value's z is ``value - 10``; the expected rule firings follow from DESIGN.md's rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alerts.models import Violation
from spc.core.errors import InputError
from spc.models import Characteristic, Sample
from spc.pipeline.processing import (
    ProcessResult,
    SubgroupInput,
    UnknownCharacteristic,
    process,
    process_many,
)
from spc.pipeline.windows import windows
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_windows() -> None:
    windows.clear()


def make_char() -> Characteristic:
    return CharacteristicFactory.create(center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)


def item(char: Characteristic, value: float, **extra: Any) -> SubgroupInput:
    return SubgroupInput(characteristic_id=char.pk, measurements=(value,), **extra)


def stored(char: Characteristic) -> list[tuple[float, float | None, list[int]]]:
    """(value, z, rules fired) of each stored sample, in processing order."""
    return [
        (s.value, s.z_score, sorted(v.rule for v in s.violations.all()))
        for s in Sample.objects.filter(characteristic=char).order_by("id")
    ]


def created(results: list[ProcessResult | InputError]) -> list[ProcessResult]:
    out = [r for r in results if isinstance(r, ProcessResult)]
    assert len(out) == len(results)
    return out


def test_a_batch_fires_the_rules_one_by_one_would() -> None:
    # Nine points above the centre line (rule 2 on the ninth), then one beyond the UCL.
    values = [10.5] * 9 + [14.0]
    one, batch = make_char(), make_char()
    for value in values:
        process(item(one, value))
    results = created(process_many([item(batch, v) for v in values]))
    assert stored(batch) == stored(one)
    assert [sorted(v.rule for v in r.violations) for r in results][-2:] == [[2], [1, 2]]


def test_involved_samples_are_the_stored_ids_of_the_batch() -> None:
    char = make_char()
    results = created(process_many([item(char, v) for v in [9.0, 9.2, 9.4, 9.6, 9.8, 10.1]]))
    violation = results[-1].violations[0]
    assert violation.rule == 3
    assert violation.involved_sample_ids == [r.sample.pk for r in results]
    violation.refresh_from_db()
    assert violation.involved_sample_ids == [r.sample.pk for r in results]


def test_a_shift_across_batches_is_one_episode() -> None:
    char = make_char()
    process_many([item(char, 10.5) for _ in range(10)])  # rule 2 at 9 and 10
    process_many([item(char, 10.5) for _ in range(2)])  # continues at 11 and 12
    rule_two = list(Violation.objects.filter(characteristic=char, rule=2).order_by("id"))
    assert len(rule_two) == 4
    assert {v.episode for v in rule_two} == {rule_two[0].pk}


def test_bad_items_are_refused_alone() -> None:
    char, other = make_char(), make_char()
    other.active = False
    other.save()
    results = process_many(
        [
            item(char, 10.0),
            item(char, float("nan")),
            SubgroupInput(characteristic_id=999_999, measurements=(1.0,)),
            item(other, 10.0),
            item(char, 11.0),
        ]
    )
    kinds = [type(r).__name__ for r in results]
    assert kinds == [
        "ProcessResult",
        "InputError",
        "UnknownCharacteristic",
        "CharacteristicInactive",
        "ProcessResult",
    ]
    assert isinstance(results[2], UnknownCharacteristic)
    assert results[2].field == "characteristic"
    assert [s[0] for s in stored(char)] == [10.0, 11.0]
    assert not Sample.objects.filter(characteristic=other).exists()


def test_keys_replay_within_the_batch_and_across_batches() -> None:
    char = make_char()
    first = process(item(char, 14.0, idempotency_key="a"))
    results = created(
        process_many(
            [
                item(char, 14.0, idempotency_key="a"),
                item(char, 9.0, idempotency_key="b"),
                item(char, 9.0, idempotency_key="b"),
            ]
        )
    )
    assert [r.created for r in results] == [False, True, False]
    assert results[0].sample.pk == first.sample.pk
    assert [v.rule for v in results[0].violations] == [1]
    assert results[2].sample.pk == results[1].sample.pk
    assert Sample.objects.filter(characteristic=char).count() == 2


def test_a_caller_wrong_about_unseen_keys_gets_replays_not_duplicates() -> None:
    """``keys_unseen`` skips the look-up; a key stored after all is caught by the unique
    index and the batch is retried with the look-up."""
    char = make_char()
    first = process(item(char, 14.0, idempotency_key="a"))
    results = created(
        process_many(
            [item(char, 14.0, idempotency_key="a"), item(char, 9.0, idempotency_key="b")],
            keys_unseen=True,
        )
    )
    assert [r.created for r in results] == [False, True]
    assert results[0].sample.pk == first.sample.pk
    assert Sample.objects.filter(characteristic=char).count() == 2


def test_unseen_keys_still_replay_within_the_batch() -> None:
    char = make_char()
    results = created(
        process_many(
            [item(char, 9.0, idempotency_key="b"), item(char, 9.0, idempotency_key="b")],
            keys_unseen=True,
        )
    )
    assert [r.created for r in results] == [True, False]
    assert Sample.objects.filter(characteristic=char).count() == 1


def test_one_event_per_stored_sample_in_order(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    char = make_char()
    layer = get_channel_layer()
    assert layer is not None
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"char.{char.pk}", channel)
    with django_capture_on_commit_callbacks(execute=True):
        results = created(process_many([item(char, v) for v in [10.0, 14.0, 10.0]]))
    received = [async_to_sync(layer.receive)(channel) for _ in results]
    assert [e["sample"]["id"] for e in received] == [r.sample.pk for r in results]
    assert [e["state"] for e in received] == ["CRITICAL"] * 3  # rule 1 stays open
    assert received[1]["open_violations"] == {"WARNING": 0, "CRITICAL": 1}


def test_several_characteristics_in_one_batch_keep_their_own_order() -> None:
    a, b = make_char(), make_char()
    batch = []
    for k in range(9):
        batch += [item(a, 10.5), item(b, 9.5 - k * 0.01)]
    process_many(batch)
    assert [rules for _, _, rules in stored(a)][-1] == [2]
    assert [rules for _, _, rules in stored(b)][-1] == [2, 3]


values = st.lists(
    st.sampled_from([6.5, 7.0, 8.5, 9.0, 9.5, 10.0, 10.5, 11.0, 11.5, 13.0, 13.5]),
    min_size=1,
    max_size=40,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=values, cut=st.integers(min_value=0, max_value=40))
def test_any_split_into_batches_stores_what_one_by_one_stores(
    values: list[float], cut: int
) -> None:
    one, batched = make_char(), make_char()
    for value in values:
        process(item(one, value))
    cut = min(cut, len(values))
    process_many([item(batched, v) for v in values[:cut]])
    process_many([item(batched, v) for v in values[cut:]])
    assert stored(batched) == stored(one)
