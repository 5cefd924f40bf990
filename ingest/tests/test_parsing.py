"""Plain payloads, topics and the router: pure parsing, no database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from unittest.mock import patch

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ingest.errors import PayloadError
from ingest.payloads import MAX_PAYLOAD_BYTES, idempotency_key, parse_plain
from ingest.topics import (
    SparkplugTopic,
    TopicRouter,
    is_valid_filter,
    parse_sparkplug_topic,
    parse_state_topic,
    state_topic,
    topic_matches,
)


@pytest.mark.parametrize(
    ("payload", "values"),
    [
        (b"74.01", (74.01,)),
        (b" 3 ", (3.0,)),
        (b'{"value": -1.5}', (-1.5,)),
        (b'{"values": [1, 2.5, 3]}', (1.0, 2.5, 3.0)),
    ],
)
def test_plain_values(payload: bytes, values: tuple[float, ...]) -> None:
    assert parse_plain(payload).values == values


def test_object_with_timestamp_and_id() -> None:
    reading = parse_plain(b'{"value": 1, "timestamp": "2026-11-23T06:30:00Z", "id": 17}')
    assert reading.timestamp == datetime(2026, 11, 23, 6, 30, tzinfo=UTC)
    assert reading.message_id == "17"
    epoch = parse_plain(b'{"value": 1, "timestamp": 1000}')
    assert epoch.timestamp == datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)


@pytest.mark.parametrize("escaped", [rb"a\u0000b", rb"\ud800", rb"x\udfff"])
def test_an_id_that_cannot_be_stored_as_text_is_refused(escaped: bytes) -> None:
    with pytest.raises(PayloadError) as refused:
        parse_plain(b'{"value": 1, "id": "' + escaped + b'"}')
    assert refused.value.reason == "invalid_json"
    assert parse_plain(rb'{"value": 1, "id": "caf\u00e9"}').message_id == "caf\u00e9"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{not json", "invalid_json"),
        (b'"abc"', "not_a_number"),
        (b'{"value": "12"}', "not_a_number"),
        (b"true", "not_a_number"),
        (b'{"values": [1, "x"]}', "not_a_number"),
        (b"NaN", "non_finite"),
        (b"Infinity", "non_finite"),
        (b'{"value": -Infinity}', "non_finite"),
        (b"1e999", "non_finite"),
        (b"", "empty"),
        (b'{"values": []}', "empty"),
        (b'{"other": 1}', "empty"),
        (b'{"values": [' + b"1," * 1000 + b"1]}", "too_many_values"),
        (b'{"value": 1, "timestamp": "yesterday"}', "invalid_timestamp"),
        (b'{"value": 1, "timestamp": true}', "invalid_timestamp"),
        (b"1" * (MAX_PAYLOAD_BYTES + 1), "payload_too_large"),
        (b"\xff\xfe1", "invalid_utf8"),
    ],
)
def test_bad_plain_payloads(payload: bytes, reason: str) -> None:
    with pytest.raises(PayloadError) as info:
        parse_plain(payload)
    assert info.value.reason == reason


def test_idempotency_key() -> None:
    assert idempotency_key("a", b"1", message_id="x") == "id:x"
    assert idempotency_key("a", b"1") is None
    first = idempotency_key("a", b"1", source_time="t1")
    assert first == idempotency_key("a", b"1", source_time="t1")
    assert first != idempotency_key("a", b"1", source_time="t2")
    assert first != idempotency_key("b", b"1", source_time="t1")


def test_sparkplug_topics() -> None:
    assert parse_sparkplug_topic("spBv1.0/Plant/DDATA/edge1/dev1") == SparkplugTopic(
        "Plant", "DDATA", "edge1", "dev1"
    )
    assert parse_sparkplug_topic("spBv1.0/Plant/NBIRTH/edge1") == SparkplugTopic(
        "Plant", "NBIRTH", "edge1"
    )
    assert str(SparkplugTopic("g", "NCMD", "e")) == "spBv1.0/g/NCMD/e"
    for bad in ["spBv1.0/g/DDATA/e", "spBv1.0/g/NDATA/e/d", "spBv1.0/g/XDATA/e", "plant/x"]:
        assert parse_sparkplug_topic(bad) is None
    assert parse_state_topic(state_topic("host1")) == "host1"
    assert parse_sparkplug_topic(state_topic("host1")) is None


@pytest.mark.parametrize(
    ("topic_filter", "topic", "expected"),
    [
        ("a/b", "a/b", True),
        ("a/+", "a/b", True),
        ("a/+", "a/b/c", False),
        ("a/#", "a", True),
        ("a/#", "a/b/c", True),
        ("+/+/c", "x/y/c", True),
        ("#", "$SYS/x", False),
        ("a/+/c", "a/b/d", False),
    ],
)
def test_topic_matches(topic_filter: str, topic: str, expected: bool) -> None:
    assert topic_matches(topic_filter, topic) is expected


def test_filter_validation() -> None:
    assert is_valid_filter("a/+/#")
    assert not is_valid_filter("a/#/b")
    assert not is_valid_filter("a/b+")
    assert not is_valid_filter("")


def test_router_prefers_exact_then_most_specific() -> None:
    router = TopicRouter([("plant/#", 1), ("plant/line1/+", 2), ("plant/line1/bore", 3)])
    assert router.resolve("plant/line1/bore") == 3
    assert router.resolve("plant/line1/od") == 2
    assert router.resolve("plant/line2/od") == 1
    assert router.resolve("other") is None
    assert router.subscriptions() == ["plant/#", "plant/line1/+"]
    with pytest.raises(ValueError, match="invalid"):
        router.add("a/#/b", 4)


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
_READING_OBJECTS = st.fixed_dictionaries(
    {},
    optional={
        "value": _JSON_VALUES,
        "values": st.lists(st.integers() | st.floats(), max_size=4),
        "id": st.text(max_size=6) | st.integers(),
        "ts": st.text(max_size=30) | st.integers() | st.floats(),
        "timestamp": st.just("2026-03-01T12:00:00+01:00") | st.text(max_size=30),
        "n": st.integers() | st.floats(),
        "part_number": st.text(max_size=8) | st.integers() | st.floats() | st.none(),
    },
)


def _outcome(payload: bytes) -> Any:
    try:
        return parse_plain(payload)
    except PayloadError as exc:
        return ("error", exc.args)


@example(b'{"value": 1, "id": -9223372036854775809}')  # beyond 64 bits: orjson gives a float
@example(b'{"values": [18446744073709551616]}')
@example(b'{"value": 18446744073709551616, "id": "a"}')  # flat: read in one pass
@example(b"-9223372036854775809")
@example(b"[[-9223372036854775809]]")  # an error message spells the value
@example(b'{"value": 1, "id": [1180591620717411303424]}')  # so does a non-string id
@given(
    st.one_of(
        st.binary(max_size=40),
        _JSON_VALUES.map(lambda v: json.dumps(v).encode()),
        _READING_OBJECTS.map(lambda v: json.dumps(v).encode()),
    )
)
@settings(max_examples=500)
def test_the_fast_decoder_reads_every_payload_as_the_standard_one_does(payload: bytes) -> None:
    fast = _outcome(payload)
    with patch("ingest.payloads.orjson.loads", side_effect=orjson.JSONDecodeError("off", "", 0)):
        standard = _outcome(payload)
    assert fast == standard
