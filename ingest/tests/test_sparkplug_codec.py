"""Sparkplug B codec: round trips, signed packing both ways, bad bytes."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest import sparkplug_b_pb2 as pb
from ingest.errors import PayloadError
from ingest.sparkplug import (
    BOOLEAN,
    DOUBLE,
    FLOAT,
    INT8,
    INT16,
    INT32,
    INT64,
    STRING,
    UINT32,
    UINT64,
    Metric,
    Payload,
    decode_payload,
    encode_payload,
    numeric_value,
)

pytestmark = pytest.mark.filterwarnings("ignore")

RANGES = {
    INT8: (-(2**7), 2**7 - 1),
    INT16: (-(2**15), 2**15 - 1),
    INT32: (-(2**31), 2**31 - 1),
    INT64: (-(2**63), 2**63 - 1),
    UINT32: (0, 2**32 - 1),
    UINT64: (0, 2**64 - 1),
}


@st.composite
def metrics(draw: st.DrawFn) -> Metric:
    kind = draw(st.sampled_from([*RANGES, DOUBLE, BOOLEAN, STRING]))
    if kind in RANGES:
        low, high = RANGES[kind]
        value: object = draw(st.integers(low, high))
    elif kind == DOUBLE:
        value = draw(st.floats(allow_nan=False))
    elif kind == BOOLEAN:
        value = draw(st.booleans())
    else:
        value = draw(st.text(max_size=20))
    return Metric(
        name=draw(st.none() | st.text(min_size=1, max_size=20)),
        alias=draw(st.none() | st.integers(0, 2**64 - 1)),
        datatype=kind,
        value=value,
        timestamp=draw(st.none() | st.integers(0, 2**63)),
    )


@given(
    st.none() | st.integers(0, 2**64 - 1),
    st.none() | st.integers(0, 255),
    st.lists(metrics(), max_size=6),
)
def test_round_trip(timestamp: int | None, seq: int | None, items: list[Metric]) -> None:
    decoded = decode_payload(encode_payload(Payload(timestamp, seq, tuple(items))))
    assert decoded.timestamp == timestamp
    assert decoded.seq == seq
    assert [(m.name, m.alias, m.datatype, m.value, m.timestamp) for m in decoded.metrics] == [
        (m.name, m.alias, m.datatype, m.value, m.timestamp) for m in items
    ]


@pytest.mark.parametrize(
    ("datatype", "value", "tahu_wire"),
    [(INT8, -1, 255), (INT8, -128, 128), (INT16, -2, 65534), (INT32, -5, 2**32 - 5)],
)
def test_signed_packing_is_tahu_style_and_both_are_read(
    datatype: int, value: int, tahu_wire: int
) -> None:
    raw = encode_payload(Payload(metrics=(Metric(name="m", datatype=datatype, value=value),)))
    message = pb.Payload()
    message.ParseFromString(raw)
    assert message.metrics[0].int_value == tahu_wire
    # The other packing: 32-bit sign extension, as some edge nodes write it.
    other = pb.Payload()
    metric = other.metrics.add()
    metric.name, metric.datatype, metric.int_value = "m", datatype, value + 2**32
    assert decode_payload(other.SerializeToString()).metrics[0].value == value


def test_float_metric_and_numeric_value() -> None:
    decoded = decode_payload(
        encode_payload(Payload(metrics=(Metric(alias=3, datatype=FLOAT, value=1.5),)))
    )
    assert numeric_value(decoded.metrics[0]) == 1.5


def test_data_metric_without_datatype_is_retyped_from_the_birth() -> None:
    message = pb.Payload()
    metric = message.metrics.add()
    metric.alias, metric.int_value = 7, 250
    decoded = decode_payload(message.SerializeToString()).metrics[0]
    assert decoded.value == 250
    assert decoded.typed(INT8).value == -6


@pytest.mark.parametrize(
    ("metric", "reason"),
    [
        (Metric(name="s", datatype=STRING, value="abc"), "not_a_number"),
        (Metric(name="n", datatype=DOUBLE, value=None, is_null=True), "empty"),
        (Metric(name="x", datatype=DOUBLE, value=math.inf), "non_finite"),
        (Metric(name="x", datatype=DOUBLE, value=math.nan), "non_finite"),
    ],
)
def test_numeric_value_rejects(metric: Metric, reason: str) -> None:
    with pytest.raises(PayloadError) as info:
        numeric_value(metric)
    assert info.value.reason == reason


@pytest.mark.parametrize("garbage", [b"\xff\xff\xff", b"\x0a\x05abc", b"not protobuf at all"])
def test_invalid_protobuf(garbage: bytes) -> None:
    with pytest.raises(PayloadError) as info:
        decode_payload(garbage)
    assert info.value.reason == "invalid_protobuf"
