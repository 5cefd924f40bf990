"""MQTT topic handling: Sparkplug B topic names, filter matching and the topic router."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SPARKPLUG_NAMESPACE = "spBv1.0"
MESSAGE_TYPES = frozenset(
    {"NBIRTH", "NDEATH", "DBIRTH", "DDEATH", "NDATA", "DDATA", "NCMD", "DCMD"}
)
DEVICE_TYPES = frozenset({"DBIRTH", "DDEATH", "DDATA", "DCMD"})


@dataclass(frozen=True)
class SparkplugTopic:
    """``spBv1.0/<group>/<message type>/<edge node>[/<device>]``."""

    group: str
    message_type: str
    edge_node: str
    device: str | None = None

    @property
    def node_key(self) -> tuple[str, str]:
        """The edge node this topic belongs to."""
        return (self.group, self.edge_node)

    def __str__(self) -> str:
        parts = [SPARKPLUG_NAMESPACE, self.group, self.message_type, self.edge_node]
        if self.device is not None:
            parts.append(self.device)
        return "/".join(parts)


def parse_sparkplug_topic(topic: str) -> SparkplugTopic | None:
    """The parts of a Sparkplug B topic, or ``None`` for any other topic (incl. STATE)."""
    parts = topic.split("/")
    if len(parts) not in (4, 5) or parts[0] != SPARKPLUG_NAMESPACE:
        return None
    _, group, message_type, edge_node, *rest = parts
    if message_type not in MESSAGE_TYPES or not group or not edge_node:
        return None
    device = rest[0] if rest else None
    if (device is not None) != (message_type in DEVICE_TYPES) or device == "":
        return None
    return SparkplugTopic(group, message_type, edge_node, device)


def state_topic(host_id: str) -> str:
    """The Sparkplug 3.0 host application STATE topic: ``spBv1.0/STATE/<host id>``."""
    return f"{SPARKPLUG_NAMESPACE}/STATE/{host_id}"


def parse_state_topic(topic: str) -> str | None:
    """The host id of a STATE topic, or ``None``."""
    parts = topic.split("/")
    if len(parts) == 3 and parts[0] == SPARKPLUG_NAMESPACE and parts[1] == "STATE" and parts[2]:
        return parts[2]
    return None


def is_valid_filter(topic_filter: str) -> bool:
    """True for a valid MQTT subscription filter (``+`` a whole level, ``#`` last)."""
    if not topic_filter:
        return False
    levels = topic_filter.split("/")
    for index, level in enumerate(levels):
        if "#" in level and (level != "#" or index != len(levels) - 1):
            return False
        if "+" in level and level != "+":
            return False
    return True


def topic_matches(topic_filter: str, topic: str) -> bool:
    """MQTT filter matching: ``+`` matches one level, ``#`` the rest (including none).

    Wildcards at the first level do not match topics that start with ``$`` (MQTT 4.7.2).
    """
    if topic.startswith("$") and topic_filter[:1] in ("+", "#"):
        return False
    filter_levels = topic_filter.split("/")
    topic_levels = topic.split("/")
    for index, level in enumerate(filter_levels):
        if level == "#":
            return True
        if index >= len(topic_levels):
            return False
        if level != "+" and level != topic_levels[index]:
            return False
    return len(filter_levels) == len(topic_levels)


class TopicRouter:
    """Maps topic filters to characteristic ids; exact topics are a dictionary lookup.

    A topic matching several filters resolves to the most specific one: an exact topic
    first, then the filter with the most literal levels.
    """

    def __init__(self, mapping: Iterable[tuple[str, int]] = ()) -> None:
        self._exact: dict[str, int] = {}
        self._wildcards: list[tuple[str, int]] = []
        for topic_filter, char_id in mapping:
            self.add(topic_filter, char_id)

    def add(self, topic_filter: str, char_id: int) -> None:
        """Route ``topic_filter`` to the characteristic ``char_id``."""
        if not is_valid_filter(topic_filter):
            raise ValueError(f"invalid MQTT topic filter: {topic_filter!r}")
        if "+" in topic_filter or "#" in topic_filter:
            self._wildcards.append((topic_filter, char_id))
            self._wildcards.sort(key=lambda item: _specificity(item[0]), reverse=True)
        else:
            self._exact[topic_filter] = char_id

    def resolve(self, topic: str) -> int | None:
        """The characteristic id for a received topic, or ``None``."""
        found = self._exact.get(topic)
        if found is not None:
            return found
        for topic_filter, char_id in self._wildcards:
            if topic_matches(topic_filter, topic):
                return char_id
        return None

    def subscriptions(self) -> list[str]:
        """The filters to subscribe to: each wildcard once, exact topics it does not cover."""
        filters = sorted({f for f, _ in self._wildcards})
        exact = [t for t in sorted(self._exact) if not any(topic_matches(f, t) for f in filters)]
        return filters + exact

    def __len__(self) -> int:
        return len(self._exact) + len(self._wildcards)


def _specificity(topic_filter: str) -> tuple[int, int]:
    levels = topic_filter.split("/")
    literal = sum(1 for level in levels if level not in ("+", "#"))
    return (literal, 0 if levels[-1] == "#" else 1)
