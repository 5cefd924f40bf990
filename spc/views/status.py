"""What the plant tree shows beside each node and characteristic: the worst open state
(critical > warning > ok, from unacknowledged violations), the open violations and the
overdue sampling checks, each node's rolled up from everything at or below it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from alerts.services import CRITICAL, WARNING, open_counts
from spc.jobs.overdue import statuses
from spc.jobs.schedule import SamplingState, SamplingStatus
from spc.models import Characteristic

OK = "OK"
NONE = "NONE"
#: Worse states rank higher; NONE (nothing below to judge) is below everything.
RANK = {NONE: -1, OK: 0, WARNING: 1, CRITICAL: 2}
LABELS = {NONE: "No characteristics", OK: "OK", WARNING: "Warning", CRITICAL: "Critical"}
TITLES = {
    NONE: "No active characteristics here",
    OK: "No open violations",
    WARNING: "Open warnings, no critical violation",
    CRITICAL: "Open critical violations",
}


@dataclass
class Status:
    """The status of one node or characteristic in the tree (``spc/partials/
    node_status.html``, root id ``dom_id``)."""

    dom_id: str
    state: str = NONE
    critical: int = 0
    warning: int = 0
    overdue: int = 0
    characteristics: int = 0

    @property
    def open(self) -> int:
        """Unacknowledged violations."""
        return self.critical + self.warning

    @property
    def label(self) -> str:
        """The state in words ('Critical')."""
        return LABELS[self.state]

    @property
    def title(self) -> str:
        """What the state means, for a tooltip."""
        return TITLES[self.state]

    def add(self, other: Status) -> None:
        """Count ``other`` (a characteristic or a node below) into this one."""
        if RANK[other.state] > RANK[self.state]:
            self.state = other.state
        self.critical += other.critical
        self.warning += other.warning
        self.overdue += other.overdue
        self.characteristics += other.characteristics


def characteristic_status(
    char_id: int, counts: Mapping[str, int], sampling: SamplingStatus | None
) -> Status:
    """One characteristic's status from its open violation counts by severity and its
    sampling schedule (only OVERDUE counts as an overdue check, not DUE)."""
    critical, warning = int(counts.get(CRITICAL, 0)), int(counts.get(WARNING, 0))
    state = CRITICAL if critical else WARNING if warning else OK
    overdue = int(sampling is not None and sampling.state is SamplingState.OVERDUE)
    return Status(f"tree-char-{char_id}", state, critical, warning, overdue, 1)


def roll_up(
    node_paths: Mapping[int, str], chars: Iterable[tuple[int, Status]]
) -> dict[int, Status]:
    """Each node's status (by id) from the ``(node id, status)`` of the characteristics.

    A characteristic counts in its node and in every ancestor among ``node_paths`` (the
    nodes shown: an ancestor outside the user's sites is skipped).
    """
    rolled = {pk: Status(f"node-status-{pk}") for pk in node_paths}
    for node_id, status in chars:
        path = node_paths.get(node_id)
        if path is None:
            continue
        for part in path.strip("/").split("/"):
            above = rolled.get(int(part))
            if above is not None:
                above.add(status)
    return rolled


def schedules(rows: list[dict[str, Any]]) -> dict[int, SamplingStatus]:
    """The sampling schedule state of each characteristic row (id, interval, creation, as
    read for a card or the tree): one grouped query, none when no row has an interval."""
    scheduled = [
        Characteristic(
            pk=r["id"],
            sampling_interval_minutes=r["sampling_interval_minutes"],
            created_at=r["created_at"],
        )
        for r in rows
        if r["sampling_interval_minutes"]
    ]
    return statuses(scheduled) if scheduled else {}


def characteristic_statuses(rows: list[dict[str, Any]]) -> dict[int, Status]:
    """The status of each characteristic row (id, sampling_interval_minutes, created_at):
    two queries (open counts, sampling schedule)."""
    counts = open_counts([r["id"] for r in rows])
    schedule = schedules(rows)
    return {
        r["id"]: characteristic_status(r["id"], counts[r["id"]], schedule.get(r["id"]))
        for r in rows
    }
