"""Violation events the ingest worker publishes: JSON for every characteristic, and a
Sparkplug B payload as well for one fed by a Sparkplug metric.

JSON goes to ``{events topic}/{characteristic id}``::

    {"characteristic_id", "sample_id", "timestamp", "value",
     "violations": [{"id", "rule", "severity"}, ...]}

Sparkplug B goes to ``{Sparkplug events topic}/{characteristic id}``, outside the
``spBv1.0`` namespace (a host application does not publish edge nodes' data), with the
payload timestamp the sample's, and metrics:

- ``Characteristic/Id`` (UInt64), ``Sample/Id`` (UInt64), ``Sample/Value`` (Double);
- ``Source/Group``, ``Source/EdgeNode``, ``Source/Device``, ``Source/Metric`` (String):
  the metric the characteristic is fed by;
- per violation *i* (from 0): ``Violations/i/Id`` (UInt64), ``Violations/i/Rule``
  (UInt8, the Nelson rule 1–8) and ``Violations/i/Severity`` (String).
"""

from __future__ import annotations

import json
from datetime import UTC

from ingest.mapping import SparkplugKey
from ingest.sparkplug import DOUBLE, STRING, UINT8, UINT64, Metric, Payload, encode_payload
from spc.pipeline.processing import ProcessResult


def violation_events(
    result: ProcessResult, source: SparkplugKey | None, topic: str, sparkplug_topic: str
) -> list[tuple[str, bytes]]:
    """The events of a stored sample's violations: JSON, and Sparkplug B as well when the
    characteristic is fed by the Sparkplug metric ``source``."""
    events = [json_event(topic, result)]
    if source is not None:
        events.append(sparkplug_event(sparkplug_topic, result, source))
    return events


def json_event(prefix: str, result: ProcessResult) -> tuple[str, bytes]:
    """The JSON event of a stored sample's violations: (topic, payload)."""
    sample = result.sample
    body = {
        "characteristic_id": sample.characteristic_id,
        "sample_id": sample.pk,
        "timestamp": sample.timestamp.astimezone(UTC).isoformat(),
        "value": sample.value,
        "violations": [
            {"id": v.pk, "rule": v.rule, "severity": v.severity} for v in result.violations
        ],
    }
    return f"{prefix}/{sample.characteristic_id}", json.dumps(body).encode()


def sparkplug_event(prefix: str, result: ProcessResult, source: SparkplugKey) -> tuple[str, bytes]:
    """The Sparkplug B event of a stored sample's violations: (topic, payload)."""
    sample = result.sample
    group, edge_node, device, metric = source
    metrics = [
        Metric(name="Characteristic/Id", datatype=UINT64, value=sample.characteristic_id),
        Metric(name="Sample/Id", datatype=UINT64, value=sample.pk),
        Metric(name="Sample/Value", datatype=DOUBLE, value=float(sample.value)),
        Metric(name="Source/Group", datatype=STRING, value=group),
        Metric(name="Source/EdgeNode", datatype=STRING, value=edge_node),
        Metric(name="Source/Device", datatype=STRING, value=device),
        Metric(name="Source/Metric", datatype=STRING, value=metric),
    ]
    for index, violation in enumerate(result.violations):
        metrics += [
            Metric(name=f"Violations/{index}/Id", datatype=UINT64, value=violation.pk),
            Metric(name=f"Violations/{index}/Rule", datatype=UINT8, value=violation.rule),
            Metric(name=f"Violations/{index}/Severity", datatype=STRING, value=violation.severity),
        ]
    stamp = int(sample.timestamp.timestamp() * 1000)
    payload = Payload(timestamp=stamp, metrics=tuple(metrics))
    return f"{prefix}/{sample.characteristic_id}", encode_payload(payload)
