"""The live path: after the pipeline commits samples, compute the T² of every group
observation they completed, store it and push it to the group's open pages.

Connected to ``spc.pipeline.signals.samples_stored`` in ``MultivariateConfig.ready``. Runs
in the thread that stored the samples, after its commit; never raises into it (a failed
T² is logged, the samples stay stored).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from typing import Any

from multivariate.live import publish_point
from multivariate.models import GroupMember, MultivariateGroup
from multivariate.services import evaluate_times

logger = logging.getLogger(__name__)


def on_samples_stored(sender: Any, results: list[Any], **kwargs: Any) -> None:
    """Receiver of ``samples_stored``: see the module docstring."""
    try:
        compute_for([(r.sample.characteristic_id, r.sample.timestamp) for r in results])
    except Exception:
        logger.exception("could not compute Hotelling T² for %d samples", len(results))


def compute_for(stored: list[tuple[int, datetime]]) -> int:
    """Compute and publish the points completed by samples ``(characteristic id, source
    time)``; returns how many points were stored. One query when no group has a member among
    the characteristics."""
    if not stored:
        return 0
    memberships = GroupMember.objects.filter(
        characteristic_id__in={cid for cid, _ in stored},
        group__active=True,
        group__ucl__isnull=False,
    ).values_list("group_id", "characteristic_id")
    groups_of: dict[int, set[int]] = defaultdict(set)
    for group_id, cid in memberships:
        groups_of[cid].add(group_id)
    if not groups_of:
        return 0
    times: dict[int, set[datetime]] = defaultdict(set)
    for cid, stamp in stored:
        for group_id in groups_of.get(cid, ()):
            times[group_id].add(stamp)
    count = 0
    for group in MultivariateGroup.objects.filter(pk__in=times).select_related("hierarchy"):
        for point in evaluate_times(group, times[group.pk]):
            publish_point(group, point)
            count += 1
    return count
