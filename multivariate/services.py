"""Phase I limits of a group and the T² points computed from them.

``calculate_limits`` fits the core's Hotelling model over a baseline of complete
observations, stores the mean vector, covariance, inverse covariance and UCL on the group,
and (re)computes the group's T² points from the baseline's start on: baseline points
against the phase I (beta) UCL, later ones against the group's phase UCL. ``evaluate_times``
computes the points of newly complete observations (the live path).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from multivariate.models import MultivariateGroup, T2Point, check_member_count
from multivariate.observations import Matched, Observation, member_samples
from spc.core.errors import InputError
from spc.core.hotelling import (
    HotellingModel,
    contributions,
    fit_individuals,
    model_from_stored,
    phase_one_ucl,
    phase_two_ucl,
    t_squared,
    top_contributors,
)

DEFAULT_BASELINE = 100
MAX_BASELINE = 5000
#: Points recomputed after the baseline when limits change (older ones are dropped).
MAX_RESTATED = 5000


@dataclass(frozen=True)
class LimitResult:
    """What a limit calculation used and stored."""

    group: MultivariateGroup
    baseline_count: int
    incomplete_count: int
    phase_one_ucl: float
    phase_two_ucl: float
    ucl: float
    points: int
    signals: int


def _members(group: MultivariateGroup) -> tuple[list[int], list[str]]:
    members = list(group.members.select_related("characteristic"))
    try:
        check_member_count(len(members))
    except Exception as exc:
        raise InputError("members", " ".join(getattr(exc, "messages", [str(exc)]))) from exc
    return [m.characteristic_id for m in members], [m.characteristic.name for m in members]


def baseline_observations(
    group: MultivariateGroup,
    *,
    last_n: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Matched:
    """The baseline's complete observations and incomplete times (``last_n`` newest complete
    ones within ``start``–``end``, default the newest 100)."""
    ids, _ = _members(group)
    if last_n is not None and not 1 <= last_n <= MAX_BASELINE:
        raise InputError("last_n", f"last_n must be between 1 and {MAX_BASELINE}.")
    if start is not None and end is not None and end < start:
        raise InputError("end", "The end of the baseline is before its start.")
    filters: dict[str, Any] = {}
    if start is not None:
        filters["timestamp__gte"] = start
    if end is not None:
        filters["timestamp__lte"] = end
    matched = member_samples(ids, **filters)
    keep = last_n or (None if start is not None else DEFAULT_BASELINE)
    if keep is not None and len(matched.complete) > keep:
        first = matched.complete[-keep].timestamp
        matched.complete = matched.complete[-keep:]
        matched.incomplete = [t for t in matched.incomplete if t >= first]
    return matched


def calculate_limits(
    group: MultivariateGroup,
    *,
    last_n: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    user: Any = None,
) -> LimitResult:
    """Fit, store and restate (see the module docstring). Raises ``InputError`` (fields
    ``members``, ``last_n``, ``end``, ``baseline``, ``alpha``) and stores nothing then."""
    ids, names = _members(group)
    matched = baseline_observations(group, last_n=last_n, start=start, end=end)
    rows = [obs.values for obs in matched.complete]
    if len(rows) <= len(ids):
        raise InputError(
            "baseline",
            f"Phase I limits for {len(ids)} characteristics need more than {len(ids)} complete "
            f"observations; the baseline has {len(rows)} complete and "
            f"{len(matched.incomplete)} incomplete (a member's sample missing at that time).",
        )
    model = fit_individuals(rows, names)
    ucl_one = phase_one_ucl(model.m, model.p, group.alpha)
    ucl_two = phase_two_ucl(model.m, model.p, group.alpha)
    first, last = matched.complete[0].timestamp, matched.complete[-1].timestamp
    with transaction.atomic():
        group.mean = list(model.mean)
        group.covariance = [list(r) for r in model.covariance]
        group.inverse_covariance = [list(r) for r in model.inverse]
        group.phase_one_ucl = ucl_one
        group.ucl = ucl_one if group.phase == MultivariateGroup.Phase.ONE else ucl_two
        group.baseline_count = model.m
        group.baseline = {
            "start": first.isoformat(),
            "end": last.isoformat(),
            "last_n": last_n,
            "incomplete": len(matched.incomplete),
            "member_ids": ids,
        }
        group.limits_at = timezone.now()
        group.limits_by = user if getattr(user, "is_authenticated", False) else None
        group.save()
        group.points.all().delete()
        later = member_samples(ids, timestamp__gt=last).complete[-MAX_RESTATED:]
        built = [_point(group, model, ids, names, obs, ucl_one, True) for obs in matched.complete]
        built += [_point(group, model, ids, names, obs, group.ucl, False) for obs in later]
        T2Point.objects.bulk_create(built)
        from multivariate.live import publish_reload

        publish_reload(group.pk)
    return LimitResult(
        group,
        model.m,
        len(matched.incomplete),
        ucl_one,
        ucl_two,
        group.ucl,
        len(built),
        sum(p.signal for p in built),
    )


def _point(
    group: MultivariateGroup,
    model: HotellingModel,
    ids: list[int],
    names: list[str],
    obs: Observation,
    ucl: float,
    in_baseline: bool,
) -> T2Point:
    """An unsaved T² point for ``obs`` (contributions of every member, top two named)."""
    value = t_squared(model, obs.values)
    terms = contributions(model, obs.values)
    top = top_contributors(terms, 2)
    return T2Point(
        group=group,
        timestamp=obs.timestamp,
        values=list(obs.values),
        sample_ids=list(obs.sample_ids),
        t2=value,
        ucl=ucl,
        phase=MultivariateGroup.Phase.ONE if in_baseline else group.phase,
        in_baseline=in_baseline,
        signal=value > ucl,
        contributions=[
            {
                "characteristic_id": cid,
                "name": names[t.index],
                "value": obs.values[t.index],
                "unconditional": t.unconditional,
                "conditional": t.conditional,
            }
            for t, cid in zip(terms, ids, strict=True)
        ],
        top_contributors=[names[i] for i in top],
    )


@functools.lru_cache(maxsize=256)
def _stored_model(group_id: int, updated_at: datetime, m: int) -> HotellingModel:
    """The group's fitted model rebuilt from its stored rows (cached per row version)."""
    group = MultivariateGroup.objects.get(pk=group_id)
    assert group.mean is not None
    assert group.covariance is not None
    return model_from_stored(group.mean, group.covariance, m)


def evaluate_times(group: MultivariateGroup, stamps: Iterable[datetime]) -> list[T2Point]:
    """Store the T² points of the observations at ``stamps`` that are complete now and have
    no point yet (a redelivery or a concurrent writer that got there first stores none).

    A member list changed since the limits were calculated computes nothing: the stored
    mean vector belongs to the old members.
    """
    if not group.has_limits or group.ucl is None:
        return []
    ids, names = _members(group)
    if ids != group.baseline.get("member_ids"):
        return []
    wanted = sorted(set(stamps))
    done = set(
        T2Point.objects.filter(group=group, timestamp__in=wanted).values_list(
            "timestamp", flat=True
        )
    )
    todo = [t for t in wanted if t not in done]
    if not todo:
        return []
    model = _stored_model(group.pk, group.updated_at, group.baseline_count)
    stored = []
    for obs in member_samples(ids, timestamp__in=todo).complete:
        point = _point(group, model, ids, names, obs, group.ucl, False)
        try:
            with transaction.atomic():
                point.save()
        except IntegrityError:  # another process stored this observation's point first
            continue
        stored.append(point)
    return stored
