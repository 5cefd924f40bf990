"""Observations of a multivariate group: member samples matched by source timestamp.

The rule (one, documented in the models' docstring): an observation is one included
(not excluded) sample of *every* member characteristic with the same ``Sample.timestamp``;
its value for a member is the sample's mean (the measured value when n = 1). Two samples
of one member at the same time: the one stored last counts. A timestamp where only some
members have a sample is *incomplete*: counted and reported, never computed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from spc.models import Sample


@dataclass(frozen=True)
class Observation:
    """One complete observation: its time, one value per member, the samples it came from."""

    timestamp: datetime
    values: tuple[float, ...]
    sample_ids: tuple[int, ...]


@dataclass
class Matched:
    """Complete observations (oldest first) and the times of the incomplete ones."""

    complete: list[Observation] = field(default_factory=list)
    incomplete: list[datetime] = field(default_factory=list)


def match(
    member_ids: list[int], rows: Iterable[tuple[int, int, datetime, float | None]]
) -> Matched:
    """Group ``(sample id, characteristic id, timestamp, mean)`` rows into observations.

    Rows must come in id order (a later sample of one member at one time replaces the
    earlier one). A member whose sample has no mean (attribute data) leaves it incomplete.
    """
    position = {cid: i for i, cid in enumerate(member_ids)}
    by_time: dict[datetime, dict[int, tuple[int, float | None]]] = {}
    for sample_id, cid, stamp, mean in rows:
        by_time.setdefault(stamp, {})[position[cid]] = (sample_id, mean)
    out = Matched()
    for stamp in sorted(by_time):
        found = by_time[stamp]
        if len(found) < len(member_ids) or any(found[i][1] is None for i in found):
            out.incomplete.append(stamp)
            continue
        ordered = [found[i] for i in range(len(member_ids))]
        out.complete.append(
            Observation(
                stamp,
                tuple(float(mean) for _, mean in ordered if mean is not None),
                tuple(sample_id for sample_id, _ in ordered),
            )
        )
    return out


def member_samples(member_ids: list[int], **filters: Any) -> Matched:
    """Observations from the members' included samples matching ``filters`` (Sample lookups,
    e.g. ``timestamp__gte``, ``timestamp__in``)."""
    rows = (
        Sample.objects.filter(characteristic_id__in=member_ids, is_excluded=False, **filters)
        .order_by("id")
        .values_list("id", "characteristic_id", "timestamp", "mean")
    )
    return match(member_ids, rows)
