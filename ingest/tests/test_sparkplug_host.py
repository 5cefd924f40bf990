"""Host application state without a broker: births, deaths, sequence and alias handling."""

from __future__ import annotations

import json

from ingest.sparkplug import DOUBLE, UINT64, Metric, Payload, decode_payload, encode_payload
from ingest.sparkplug_host import REBIRTH_METRIC, SparkplugHost, state_payload
from ingest.topics import SparkplugTopic

NBIRTH = SparkplugTopic("G", "NBIRTH", "e")
NDEATH = SparkplugTopic("G", "NDEATH", "e")
NDATA = SparkplugTopic("G", "NDATA", "e")


def payload(seq: int | None, *metrics: Metric, timestamp: int = 1000) -> bytes:
    return encode_payload(Payload(timestamp=timestamp, seq=seq, metrics=metrics))


def born(host: SparkplugHost) -> None:
    host.handle(
        NBIRTH,
        payload(
            0,
            Metric(name="bdSeq", datatype=UINT64, value=3),
            Metric(name="Temp", alias=1, datatype=DOUBLE, value=20.0),
        ),
        now=0,
    )


def test_data_by_alias_after_birth() -> None:
    host = SparkplugHost()
    born(host)
    result = host.handle(NDATA, payload(1, Metric(alias=1, value=21.5)), now=1)
    (reading,) = result.readings
    assert (reading.name, reading.metric.value, reading.metric.datatype) == ("Temp", 21.5, DOUBLE)
    assert result.commands == []


def test_seq_gap_requests_one_rebirth_per_interval() -> None:
    host = SparkplugHost(rebirth_interval=5)
    born(host)
    first = host.handle(NDATA, payload(5, Metric(alias=1, value=1.0)), now=1)
    (command,) = first.commands
    assert command[0] == "spBv1.0/G/NCMD/e"
    metric = decode_payload(command[1]).metrics[0]
    assert (metric.name, metric.value) == (REBIRTH_METRIC, True)
    assert len(first.readings) == 1  # the data itself is still used
    again = host.handle(NDATA, payload(9, Metric(alias=1, value=1.0)), now=2)
    assert again.commands == []
    later = host.handle(NDATA, payload(20, Metric(alias=1, value=1.0)), now=10)
    assert len(later.commands) == 1


def test_seq_wraps_at_256() -> None:
    host = SparkplugHost()
    born(host)
    for seq in [*range(1, 256), 0, 1]:
        assert host.handle(NDATA, payload(seq, Metric(alias=1, value=1.0)), now=0).commands == []


def test_data_before_birth_and_unknown_alias() -> None:
    host = SparkplugHost()
    result = host.handle(NDATA, payload(4, Metric(alias=9, value=1.0)), now=0)
    assert [e.reason for e in result.errors] == ["unknown_alias"]
    assert len(result.commands) == 1


def test_ndeath_with_matching_bdseq_marks_stale() -> None:
    host = SparkplugHost()
    born(host)
    other = host.handle(NDEATH, payload(None, Metric(name="bdSeq", value=2, datatype=UINT64)), 0)
    assert not other.stale
    assert host.node("G", "e").online
    death = host.handle(NDEATH, payload(None, Metric(name="bdSeq", value=3, datatype=UINT64)), 0)
    assert death.stale
    assert not host.node("G", "e").online


def test_invalid_protobuf_is_an_error_not_a_crash() -> None:
    result = SparkplugHost().handle(NDATA, b"\xff\xff", now=0)
    assert [e.reason for e in result.errors] == ["invalid_protobuf"]


def test_state_payload_is_the_spec_json() -> None:
    assert json.loads(state_payload(True, 5)) == {"online": True, "timestamp": 5}
