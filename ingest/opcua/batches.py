"""A batch of OPC UA values → the ingest batch's operations (inside its transaction).

Mirrors ``ingest.routing`` for MQTT: a value of a characteristic with n = 1 (or an
attribute chart) is a subgroup for the pipeline, any other is a ``PendingReading`` of its
open subgroup; what cannot be used (Bad or Uncertain status, not a number) is a dead letter
``opcua_bad_status`` / ``opcua_wrong_type`` with its reason. ``ingest.batch_store`` stores
the operations as it does MQTT's.
"""

from __future__ import annotations

import json

from ingest.errors import PayloadError
from ingest.mapping import Target
from ingest.models import PendingReading
from ingest.opcua.config import OpcUaMapping
from ingest.opcua.readings import OpcUaValue, numeric, reading_key, timestamp_of
from ingest.operations import BatchWork, Operations, PipelineInput
from spc.pipeline.processing import SubgroupInput

SOURCE = "OPCUA"
"""The pipeline's source of OPC UA readings (direct subgroups here, buffered ones through
``ingest.batch_store.BatchStore``'s ``source``)."""


def topic_of(config: OpcUaMapping, item: OpcUaValue) -> str:
    """Where a value came from, as a dead letter's topic: ``opcua/<endpoint>/<node id>``."""
    endpoint = config.endpoints.get(item.endpoint_id)
    name = endpoint.name if endpoint is not None else str(item.endpoint_id)
    return f"opcua/{name}/{item.node_id}"


def payload_of(item: OpcUaValue) -> bytes:
    """A value as a dead letter's payload (JSON: value, status, times)."""
    stamp = timestamp_of(item)
    return json.dumps(
        {
            "value": item.value
            if isinstance(item.value, int | float | str | bool)
            else repr(item.value),
            "status": item.status_name,
            "status_code": item.status_code,
            "source_time": stamp.isoformat() if stamp else None,
        },
        default=str,
    ).encode()


def route_values(
    config: OpcUaMapping, values: list[OpcUaValue], ops: Operations, work: BatchWork
) -> None:
    """Append each value's operation to ``ops`` (or dead-letter it into ``work``)."""
    for item in values:
        char_id = config.nodes.get((item.endpoint_id, item.node_id))
        target = config.mapping.targets.get(char_id) if char_id is not None else None
        if target is None:
            continue  # a node unmapped since it was subscribed
        try:
            number = numeric(item)
        except PayloadError as exc:
            work.dead_letter(topic_of(config, item), payload_of(item), exc.reason, exc.detail)
            continue
        _reading(config, item, target, number, ops)


def _reading(
    config: OpcUaMapping, item: OpcUaValue, target: Target, number: float, ops: Operations
) -> None:
    key = reading_key(item)
    stamp = timestamp_of(item)
    char_id = target.characteristic_id
    if target.direct:
        if target.attribute:
            data = SubgroupInput(
                characteristic_id=char_id,
                count=number,
                sample_size=target.default_sample_size,
                timestamp=stamp,
                idempotency_key=key,
                source=SOURCE,
            )
        else:
            data = SubgroupInput(
                characteristic_id=char_id,
                measurements=(number,),
                timestamp=stamp,
                idempotency_key=key,
                source=SOURCE,
            )
        ops.append(PipelineInput(data, topic_of(config, item), payload_of(item)))
        return
    ops.append(
        PendingReading(
            characteristic_id=char_id, value=number, key=key, timestamp=stamp, received_at=ops.now
        )
    )
