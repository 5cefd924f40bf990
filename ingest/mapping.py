"""Which characteristic a message feeds: loaded from the MQTT characteristics.

A characteristic with ``provider = MQTT`` is fed either by a plain topic (``mqtt_topic``,
wildcards allowed) or by a Sparkplug metric (group / edge node / device / metric name).
``trigger_tag`` of an ON_TRIGGER characteristic is a plain topic, or for a Sparkplug
characteristic a metric name of the same device; a truthy value on it closes the subgroup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Max

from ingest.buffers import BufferConfig
from ingest.rate_limits import TopicLimit
from ingest.topics import TopicRouter, is_valid_filter
from spc.core.types import ChartType
from spc.models import Characteristic

ATTRIBUTE_CHARTS = frozenset(c.value for c in ChartType if c.is_attribute)

SparkplugKey = tuple[str, str, str, str]
"""(group, edge node, device or "", metric name)"""


@dataclass(frozen=True)
class Target:
    """How a characteristic takes readings."""

    characteristic_id: int
    buffer: BufferConfig
    attribute: bool = False
    default_sample_size: float | None = None
    limit: TopicLimit | None = None
    """The rate limit of each of its plain topics (None: none)."""
    sparkplug: SparkplugKey | None = None
    """The Sparkplug metric it is fed by (None: a plain topic)."""

    @property
    def direct(self) -> bool:
        """One reading is one subgroup: no buffer needed."""
        return self.attribute or (
            self.buffer.strategy == "ON_CHANGE" and self.buffer.subgroup_size <= 1
        )


@dataclass
class Mapping:
    """Routes plain topics and Sparkplug metrics to targets."""

    targets: dict[int, Target] = field(default_factory=dict)
    router: TopicRouter = field(default_factory=TopicRouter)
    triggers: TopicRouter = field(default_factory=TopicRouter)
    sparkplug: dict[SparkplugKey, int] = field(default_factory=dict)
    sparkplug_triggers: dict[SparkplugKey, int] = field(default_factory=dict)
    version: tuple[int, str] = (0, "")
    limited: bool = False
    """Some plain topic has a rate limit."""

    def subscriptions(self) -> list[str]:
        """Plain filters to subscribe to (Sparkplug has its own)."""
        filters = set(self.router.subscriptions()) | set(self.triggers.subscriptions())
        return sorted(filters)


def buffer_config(char: Characteristic) -> BufferConfig:
    """How a characteristic's readings become subgroups (any machine source: MQTT, OPC UA)."""
    attribute = char.chart_type in ATTRIBUTE_CHARTS
    return BufferConfig(
        characteristic_id=char.pk,
        subgroup_size=1 if attribute else max(1, char.subgroup_size),
        min_measurements=1 if attribute else max(1, char.min_measurements),
        strategy=char.trigger_strategy,
        timeout_seconds=char.buffer_timeout_seconds,
        partial_policy=char.partial_policy,
    )


def mapping_version() -> tuple[int, str]:
    """Changes whenever an MQTT characteristic is added, changed or removed."""
    agg = Characteristic.objects.filter(provider="MQTT").aggregate(n=Max("id"), t=Max("updated_at"))
    count = Characteristic.objects.filter(provider="MQTT").count()
    return (count * 1_000_000_007 + (agg["n"] or 0), str(agg["t"]))


def load_mapping(partition: tuple[int, int] | None = None) -> Mapping:
    """Build the mapping from active MQTT characteristics.

    ``partition = (index, count)`` keeps only characteristics with ``id % count == index``,
    so several workers share the plant without overlap.
    """
    mapping = Mapping(version=mapping_version())
    chars = Characteristic.objects.filter(provider="MQTT", active=True).order_by("id")
    for char in chars:
        if partition is not None and char.pk % partition[1] != partition[0]:
            continue
        attribute = char.chart_type in ATTRIBUTE_CHARTS
        config = buffer_config(char)
        # Plain topics only: a Sparkplug topic carries a node's or device's every metric,
        # and a dropped message there would be a sequence gap (a rebirth).
        limit = None
        if char.mqtt_rate_limit and not char.sparkplug_metric:
            limit = TopicLimit(char.mqtt_rate_limit, char.mqtt_max_held, char.mqtt_backpressure)
            mapping.limited = True
        key: SparkplugKey | None = None
        if char.sparkplug_metric:
            key = (
                char.sparkplug_group,
                char.sparkplug_edge_node,
                char.sparkplug_device,
                char.sparkplug_metric,
            )
        mapping.targets[char.pk] = Target(
            char.pk,
            config,
            attribute=attribute,
            default_sample_size=float(char.subgroup_size) if attribute else None,
            limit=limit,
            sparkplug=key,
        )
        trigger = char.trigger_tag.strip() if char.trigger_strategy == "ON_TRIGGER" else ""
        if key is not None:
            mapping.sparkplug[key] = char.pk
            if trigger:
                mapping.sparkplug_triggers[(*key[:3], trigger)] = char.pk
        elif char.mqtt_topic and is_valid_filter(char.mqtt_topic):
            mapping.router.add(char.mqtt_topic, char.pk)
            if trigger and is_valid_filter(trigger):
                mapping.triggers.add(trigger, char.pk)
    return mapping
