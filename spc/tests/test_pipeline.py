"""The one processing pipeline: storage, rule firing, idempotency, windows and events.

The characteristic used by most tests is an individuals chart with manual limits
CL 10, UCL 13, LCL 7 (sigma 1), so a value's z is simply ``value - 10`` and each expected
firing index below follows from the rule definitions in DESIGN.md, not from the code.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from alerts.models import Violation
from spc.core.errors import InputError
from spc.models import Characteristic, Sample
from spc.pipeline import processing as pipeline
from spc.pipeline.processing import CharacteristicInactive, SubgroupInput, process
from spc.pipeline.windows import WindowCache, windows
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_windows() -> None:
    windows.clear()


@pytest.fixture
def char() -> Characteristic:
    return CharacteristicFactory.create(center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)


def send(char: Characteristic, value: float, **extra: Any) -> pipeline.ProcessResult:
    return process(SubgroupInput(characteristic_id=char.pk, measurements=(value,), **extra))


def fired(values: list[float], char: Characteristic) -> list[tuple[int, list[int]]]:
    """(1-based position, rules) for each point that raised a violation."""
    out = []
    for position, value in enumerate(values, start=1):
        rules = sorted(v.rule for v in send(char, value).violations)
        if rules:
            out.append((position, rules))
    return out


def test_phase_one_sample_is_stored_without_limits() -> None:
    char = CharacteristicFactory.create()
    result = send(char, 4.2, operator="olga", batch_number="B-7")
    assert result.created
    sample = result.sample
    assert sample.value == 4.2
    assert sample.center_line is None
    assert sample.z_score is None
    assert [m.value for m in sample.measurements.all()] == [4.2]
    assert (sample.operator, sample.batch_number, sample.source) == ("olga", "B-7", "MANUAL")
    assert result.violations == []


def test_point_on_the_limit_is_not_beyond_it(char: Characteristic) -> None:
    for value in (13.0, 10.0, 10.0, 7.0, 10.0, 10.0):  # apart, so rule 5 cannot pair them
        assert send(char, value).violations == []
    result = send(char, 13.01)
    assert [(v.rule, v.severity) for v in result.violations] == [(1, "CRITICAL")]
    assert result.sample.zone == "beyond_ucl"


def test_rule_two_fires_on_the_ninth_point_and_each_point_after(char: Characteristic) -> None:
    values = [10.5] * 11
    assert [(p, r) for p, r in fired(values, char) if 2 in r] == [
        (9, [2]),
        (10, [2]),
        (11, [2]),
    ]


def test_point_on_centre_line_breaks_a_same_side_run(char: Characteristic) -> None:
    values = [10.5] * 8 + [10.0] + [10.5] * 8
    assert all(2 not in rules for _, rules in fired(values, char))


def test_rule_three_fires_on_the_sixth_rising_point(char: Characteristic) -> None:
    values = [9.0, 9.2, 9.4, 9.6, 9.8, 10.1]
    assert fired(values, char) == [(6, [3])]


def test_involved_samples_are_the_pattern(char: Characteristic) -> None:
    results = [send(char, v) for v in [9.0, 9.2, 9.4, 9.6, 9.8, 10.1]]
    violation = results[-1].violations[0]
    assert violation.involved_sample_ids == [r.sample.pk for r in results]


def test_sustained_shift_is_one_episode(char: Characteristic) -> None:
    for value in [10.5] * 12:
        send(char, value)
    rule_two = Violation.objects.filter(characteristic=char, rule=2).order_by("id")
    assert rule_two.count() == 4
    assert {v.episode for v in rule_two} == {rule_two[0].pk}


def test_idempotency_key_replays_without_storing_twice(char: Characteristic) -> None:
    first = send(char, 14.0, idempotency_key="m-1")
    again = send(char, 14.0, idempotency_key="m-1")
    assert first.created
    assert not again.created
    assert again.sample.pk == first.sample.pk
    assert [v.pk for v in again.violations] == [v.pk for v in first.violations]
    assert Sample.objects.filter(characteristic=char).count() == 1
    assert Violation.objects.filter(characteristic=char).count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"measurements": (math.nan,)}, "measurements"),
        ({"measurements": (math.inf,)}, "measurements"),
        ({"measurements": ()}, "measurements"),
        ({"measurements": ("7",)}, "measurements"),
        ({"measurements": tuple(range(1001))}, "measurements"),
        ({"measurements": (1.0,), "operator": "x" * 121}, "operator"),
        ({"measurements": (1.0,), "idempotency_key": "k" * 129}, "idempotency_key"),
    ],
)
def test_bad_input_is_an_input_error_and_stores_nothing(
    char: Characteristic, data: dict[str, Any], field: str
) -> None:
    with pytest.raises(InputError) as info:
        process(SubgroupInput(characteristic_id=char.pk, **data))
    assert info.value.field == field
    assert not Sample.objects.exists()


def test_inactive_and_unknown_characteristics() -> None:
    char = CharacteristicFactory.create(active=False)
    with pytest.raises(CharacteristicInactive):
        send(char, 1.0)
    with pytest.raises(Characteristic.DoesNotExist):
        process(SubgroupInput(characteristic_id=999_999, measurements=(1.0,)))


def test_two_processes_writing_one_characteristic_agree_with_one(
    char: Characteristic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alternate submissions between two window caches, as a web and a worker process."""
    values = [10.5, 9.0, 10.6, 10.7, 10.2, 10.3, 10.4, 10.8, 10.9, 11.0, 10.1, 10.6, 14.0]
    other = CharacteristicFactory.create(center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)
    single = fired(values, other)

    caches = [WindowCache(10), WindowCache(10)]
    two = []
    for position, value in enumerate(values, start=1):
        monkeypatch.setattr(pipeline, "windows", caches[position % 2])
        rules = sorted(v.rule for v in send(char, value).violations)
        if rules:
            two.append((position, rules))
    assert two == single
    assert single  # the series does fire rules, so the comparison means something


def test_window_cache_is_bounded() -> None:
    cache = WindowCache(3)
    chars = CharacteristicFactory.create_batch(5, center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)
    for c in chars:
        c.refresh_from_db()
        cache.current(c, 9)
    assert len(cache) == 3


def test_sample_processed_event_reaches_the_groups(
    char: Characteristic, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    layer = get_channel_layer()
    assert layer is not None
    channel = async_to_sync(layer.new_channel)()
    root_id = int(char.hierarchy.path.strip("/").split("/")[0])
    async_to_sync(layer.group_add)(f"node.{root_id}", channel)
    with django_capture_on_commit_callbacks(execute=True):
        result = send(char, 14.0)
    event = async_to_sync(layer.receive)(channel)
    assert event["type"] == "sample.processed"
    assert event["sample"]["id"] == result.sample.pk
    assert event["sample"]["value"] == 14.0
    assert [v["rule"] for v in event["violations"]] == [1]
    assert event["state"] == "CRITICAL"
    assert event["open_violations"] == {"WARNING": 0, "CRITICAL": 1}


def test_excluded_sample_leaves_the_run(char: Characteristic) -> None:
    from spc.pipeline.limit_changes import set_excluded

    results = [send(char, 10.5) for _ in range(8)]
    set_excluded(results[3].sample, True, reason="gauge dropped")
    assert send(char, 10.5).violations == []  # only 8 included points on this side
    assert [v.rule for v in send(char, 10.5).violations] == [2]
