"""The live path: after the pipeline commits samples, compute the T² of every group
observation they completed, store it and push it to the group's open pages.

Connected to ``spc.pipeline.signals.samples_stored`` in ``MultivariateConfig.ready``. Runs
in the thread that stored the samples, after its commit; never raises into it (a failed
T² is logged, the samples stay stored).

Most batches touch no member of a live group (active, with limits): each process keeps the
ids of those members under a token of the shared cache (``openspc.caches.current_token``),
which every save or delete of a group or a membership drops (at once and again at commit),
so a batch of other characteristics costs no query, in any process, and a new member is
seen by the next batch after its commit.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from multivariate.live import publish_point
from multivariate.models import GroupMember, MultivariateGroup
from multivariate.services import evaluate_times
from openspc.caches import current_token, drop_token

logger = logging.getLogger(__name__)

MEMBERS_KEY = "multivariate:live-members"
"""The shared cache's key of the token under which processes keep the live members."""

_known: tuple[str, frozenset[int]] | None = None
"""This process's (token, ids of the characteristics in a live group)."""


def live_members() -> frozenset[int]:
    """Ids of the characteristics that are members of an active group with limits (one
    query when the token changed since this process last read them)."""
    global _known
    token = current_token(MEMBERS_KEY)  # before the query: a change after it drops the token
    known = _known
    if known is not None and known[0] == token:
        return known[1]
    ids = frozenset(
        GroupMember.objects.filter(group__active=True, group__ucl__isnull=False).values_list(
            "characteristic_id", flat=True
        )
    )
    _known = (token, ids)
    return ids


def forget_members(*args: Any, **kwargs: Any) -> None:
    """Drop the live members' token now and at commit (receiver of the group's and the
    membership's save, delete and m2m signals): every process reads them again."""
    drop_token(MEMBERS_KEY)


def connect() -> None:
    """Connect :func:`forget_members` to every change of a group or a membership."""
    for model in (MultivariateGroup, GroupMember):
        for signal in (post_save, post_delete):
            signal.connect(forget_members, sender=model, dispatch_uid=f"mv.{model.__name__}")
    m2m_changed.connect(
        forget_members, sender=MultivariateGroup.characteristics.through, dispatch_uid="mv.m2m"
    )


def on_samples_stored(sender: Any, results: list[Any], **kwargs: Any) -> None:
    """Receiver of ``samples_stored``: see the module docstring."""
    try:
        members = live_members()
        if not members:  # most plants: no pairs to build for a batch's samples
            return
        compute_for([(r.sample.characteristic_id, r.sample.timestamp) for r in results], members)
    except Exception:
        logger.exception("could not compute Hotelling T² for %d samples", len(results))


def compute_for(stored: list[tuple[int, datetime]], members: frozenset[int] | None = None) -> int:
    """Compute and publish the points completed by samples ``(characteristic id, source
    time)``; returns how many points were stored. No query when no live group has a member
    among the characteristics (``members``: ``live_members()``, read here unless given)."""
    if members is None:
        members = live_members() if stored else frozenset()
    if not any(cid in members for cid, _ in stored):
        return 0
    memberships = GroupMember.objects.filter(
        characteristic_id__in={cid for cid, _ in stored if cid in members},
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
