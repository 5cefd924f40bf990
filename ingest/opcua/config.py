"""The OPC UA worker's configuration: active endpoints and the nodes that feed
characteristics, loaded from ``OpcUaEndpoint`` / ``OpcUaNode`` rows."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from django.db.models import Count, Max

from ingest.buffers import ON_CHANGE
from ingest.mapping import ATTRIBUTE_CHARTS, Mapping, Target, buffer_config
from ingest.models import OpcUaEndpoint, OpcUaNode


@dataclass(frozen=True)
class EndpointConfig:
    """How to reach one server and which of its nodes to subscribe to."""

    id: int
    name: str
    url: str
    security_policy: str = ""
    certificate_path: str = ""
    private_key_path: str = ""
    username: str = ""
    password: str = ""
    publishing_interval_ms: int = 200
    node_ids: tuple[str, ...] = ()


@dataclass
class OpcUaMapping:
    """Endpoints, and (endpoint id, node id) → characteristic, with the ingest ``Mapping``
    (targets by characteristic) that the batch store works with."""

    endpoints: dict[int, EndpointConfig] = field(default_factory=dict)
    nodes: dict[tuple[int, str], int] = field(default_factory=dict)
    mapping: Mapping = field(default_factory=Mapping)
    version: tuple[object, ...] = ()


def config_version() -> tuple[object, ...]:
    """Changes whenever an endpoint or a node mapping is added, changed or removed."""
    ends = OpcUaEndpoint.objects.aggregate(n=Count("id"), t=Max("updated_at"))
    nodes = OpcUaNode.objects.aggregate(n=Count("id"), t=Max("updated_at"), c=Max("id"))
    return (ends["n"], str(ends["t"]), nodes["n"], str(nodes["t"]), nodes["c"])


def load_config() -> OpcUaMapping:
    """Active endpoints and their active nodes of active characteristics."""
    result = OpcUaMapping(version=config_version())
    rows = (
        OpcUaNode.objects.filter(active=True, endpoint__active=True, characteristic__active=True)
        .select_related("endpoint", "characteristic")
        .order_by("endpoint_id", "id")
    )
    node_ids: dict[int, list[str]] = {}
    for row in rows:
        ep = row.endpoint
        if ep.pk not in result.endpoints:
            result.endpoints[ep.pk] = EndpointConfig(
                ep.pk,
                ep.name,
                ep.url,
                ep.security_policy,
                ep.certificate_path,
                ep.private_key_path,
                ep.username,
                ep.password,
                ep.publishing_interval_ms,
            )
        char = row.characteristic
        attribute = char.chart_type in ATTRIBUTE_CHARTS
        # A data change is one reading; OPC UA has no trigger tag here: subgroups close at n.
        config = dataclasses.replace(buffer_config(char), strategy=ON_CHANGE)
        result.mapping.targets[char.pk] = Target(
            char.pk,
            config,
            attribute=attribute,
            default_sample_size=float(char.subgroup_size) if attribute else None,
        )
        result.nodes[(ep.pk, row.node_id)] = char.pk
        node_ids.setdefault(ep.pk, []).append(row.node_id)
    for ep_id, ids in node_ids.items():
        result.endpoints[ep_id] = dataclasses.replace(result.endpoints[ep_id], node_ids=tuple(ids))
    return result
