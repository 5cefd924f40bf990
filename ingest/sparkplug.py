"""A small typed codec around the generated Sparkplug B bindings.

Values are plain Python (``bool``, ``int``, ``float``, ``str``, ``bytes`` or ``None``).
Signed Int8/Int16/Int32 are encoded as the reference implementation (Eclipse Tahu) does:
two's complement in the width of the type, stored in ``int_value``. Decoding accepts that
packing and the 32-bit sign extension other clients write. Int64 uses 64-bit two's
complement in ``long_value``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from google.protobuf.message import DecodeError

from ingest import sparkplug_b_pb2 as pb
from ingest.errors import PayloadError

MetricValue = bool | int | float | str | bytes | None

UNKNOWN = 0
INT8, INT16, INT32, INT64 = 1, 2, 3, 4
UINT8, UINT16, UINT32, UINT64 = 5, 6, 7, 8
FLOAT, DOUBLE, BOOLEAN, STRING, DATETIME, TEXT, UUID = 9, 10, 11, 12, 13, 14, 15
BYTES = 17

SIGNED_BITS = {INT8: 8, INT16: 16, INT32: 32}
INT_VALUE_TYPES = {INT8, INT16, INT32, UINT8, UINT16, UINT32}
LONG_VALUE_TYPES = {INT64, UINT64, DATETIME}
STRING_TYPES = {STRING, TEXT, UUID}
NUMERIC_TYPES = INT_VALUE_TYPES | LONG_VALUE_TYPES | {FLOAT, DOUBLE, BOOLEAN}


@dataclass(frozen=True)
class Metric:
    """One Sparkplug metric: identified by name (births) or alias (data), with its value."""

    name: str | None = None
    alias: int | None = None
    datatype: int = UNKNOWN
    value: MetricValue = None
    timestamp: int | None = None
    is_null: bool = False
    is_historical: bool = False
    raw: MetricValue = None
    """The value as stored on the wire (before signed conversion); used to re-type a data
    metric that carries no datatype with the one from its birth certificate."""

    def typed(self, datatype: int) -> Metric:
        """This metric read as ``datatype`` (the birth certificate's type for an alias)."""
        raw = self.raw if self.raw is not None else self.value
        return replace(self, datatype=datatype, value=_from_wire(raw, datatype))


@dataclass(frozen=True)
class Payload:
    """A Sparkplug B payload: timestamp (epoch ms), sequence number and metrics."""

    timestamp: int | None = None
    seq: int | None = None
    metrics: tuple[Metric, ...] = ()
    uuid: str | None = None
    body: bytes | None = None


def _signed(raw: int, bits: int) -> int:
    """Accept both packings: width-specific two's complement and 32-bit sign extension."""
    raw &= 0xFFFFFFFF
    if raw >= 1 << 31:
        return raw - (1 << 32)
    if bits < 32 and raw >= 1 << (bits - 1):
        return raw - (1 << bits)
    return raw


def _from_wire(raw: MetricValue, datatype: int) -> MetricValue:
    if raw is None or isinstance(raw, bool | str | bytes):
        return raw
    if isinstance(raw, int):
        if datatype in SIGNED_BITS:
            return _signed(raw, SIGNED_BITS[datatype])
        if datatype == INT64 and raw >= 1 << 63:
            return raw - (1 << 64)
    return raw


def _to_wire(metric: pb.Payload.Metric, value: MetricValue, datatype: int) -> None:
    if isinstance(value, bool):
        metric.boolean_value = value
    elif isinstance(value, str):
        metric.string_value = value
    elif isinstance(value, bytes):
        metric.bytes_value = value
    elif isinstance(value, int) and datatype not in (FLOAT, DOUBLE):
        if datatype in SIGNED_BITS:
            bits = SIGNED_BITS[datatype]
            metric.int_value = value + (1 << bits) if value < 0 else value
        elif datatype in INT_VALUE_TYPES:
            metric.int_value = value
        else:
            metric.long_value = value + (1 << 64) if value < 0 else value
    elif isinstance(value, int | float):
        if datatype == FLOAT:
            metric.float_value = float(value)
        else:
            metric.double_value = float(value)


def decode_payload(data: bytes) -> Payload:
    """Decode Sparkplug B bytes; raises ``PayloadError("invalid_protobuf")``."""
    message = pb.Payload()
    try:
        message.ParseFromString(bytes(data))
    except (DecodeError, RuntimeError, ValueError) as exc:
        raise PayloadError("invalid_protobuf", str(exc) or "not a Sparkplug B payload") from exc
    metrics = []
    for m in message.metrics:
        kind = m.WhichOneof("value")
        raw: MetricValue = getattr(m, kind) if kind in _SCALAR_FIELDS else None
        datatype = m.datatype if m.HasField("datatype") else UNKNOWN
        metrics.append(
            Metric(
                name=m.name if m.HasField("name") else None,
                alias=m.alias if m.HasField("alias") else None,
                datatype=datatype,
                value=_from_wire(raw, datatype),
                timestamp=m.timestamp if m.HasField("timestamp") else None,
                is_null=m.is_null,
                is_historical=m.is_historical,
                raw=raw,
            )
        )
    return Payload(
        timestamp=message.timestamp if message.HasField("timestamp") else None,
        seq=message.seq if message.HasField("seq") else None,
        metrics=tuple(metrics),
        uuid=message.uuid if message.HasField("uuid") else None,
        body=message.body if message.HasField("body") else None,
    )


_SCALAR_FIELDS = {
    "int_value",
    "long_value",
    "float_value",
    "double_value",
    "boolean_value",
    "string_value",
    "bytes_value",
}


def encode_payload(payload: Payload) -> bytes:
    """Encode a payload to Sparkplug B bytes."""
    message = pb.Payload()
    if payload.timestamp is not None:
        message.timestamp = payload.timestamp
    if payload.seq is not None:
        message.seq = payload.seq
    if payload.uuid is not None:
        message.uuid = payload.uuid
    if payload.body is not None:
        message.body = payload.body
    for metric in payload.metrics:
        m = message.metrics.add()
        if metric.name is not None:
            m.name = metric.name
        if metric.alias is not None:
            m.alias = metric.alias
        if metric.timestamp is not None:
            m.timestamp = metric.timestamp
        if metric.datatype != UNKNOWN:
            m.datatype = metric.datatype
        if metric.is_historical:
            m.is_historical = True
        if metric.is_null or metric.value is None:
            m.is_null = True
        else:
            _to_wire(m, metric.value, metric.datatype)
    return message.SerializeToString()


def numeric_value(metric: Metric) -> float:
    """The metric's value as a float for a measurement; ``PayloadError`` when it is not one."""
    value = metric.value
    if metric.is_null or value is None:
        raise PayloadError("empty", f"metric {metric.name or metric.alias} is null")
    if isinstance(value, str | bytes):
        raise PayloadError("not_a_number", f"metric {metric.name or metric.alias}: {value!r}")
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise PayloadError("non_finite", f"metric {metric.name or metric.alias}: {number}")
    return number
