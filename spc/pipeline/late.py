"""Late and out-of-order samples: put in their place by source time, the samples after them
judged again.

The stored series, and the rolling windows read from it, are ordered by source time (then
id). A sample whose source time is older than the newest stored one of its characteristic
(a machine's buffer sent after an outage, Sparkplug ``is_historical``, an import into a
characteristic that already has newer data) is *late*. ``process_many`` hands such jobs
here (``split_late``, then ``store_late`` in the same transaction, after the in-order jobs
of the batch are written):

* **within the horizon** (at most ``Characteristic.late_horizon`` included samples after it,
  all judged under the limits in force): the late samples of a characteristic are evaluated
  in their place, and every sample after the earliest of them is judged again through the
  core's ``evaluate`` over a window rebuilt from the stored points before it (as
  ``spc.pipeline.phase_one`` and corrections do): each gets its plotted value, limits, z,
  zone and chart memory again; a new signal is stored as a violation with the pipeline's
  episode logic, an open violation that no longer holds is closed with the SUPERSEDED
  reason and a note naming the late sample. Stored ``arrival = LATE``.
* **beyond it** (or before the last limit change): the sample is evaluated against the
  points before it for its own plotted value and stored with ``arrival = HORIZON``; no
  rule result is raised or changed.

Either way the characteristic's revision is bumped (every process rebuilds its window),
the chart data token touched, and ``limits.changed`` tells open pages to re-fetch.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from alerts.models import Violation
from alerts.services import close_superseded, reopen_superseded
from spc.choices import SampleArrival
from spc.core.errors import InputError
from spc.core.evaluate import CharacteristicConfig, Evaluation, evaluate, window_capacity
from spc.core.plausibility import ValueLabel, check_plausible
from spc.core.types import ChartType
from spc.core.window import RollingWindow
from spc.models import Characteristic, LimitSet, Sample
from spc.pipeline import chart_revisions, events, signals
from spc.pipeline.config import config_for
from spc.pipeline.locked_rows import cached_config
from spc.pipeline.phase_one import subgroup_of
from spc.pipeline.rows import Job, Stored, key_of, write, write_violations
from spc.pipeline.windows import POINT_FIELDS, newest_included, point_from_row, windows

LATE_NOTE = "Closed: no longer holds after the late sample"
"""How the comment of a violation closed by a late sample begins (one that holds again
after a later arrival is reopened)."""
RESTATED = ["value", "secondary_value", "center_line", "ucl", "lcl", "z_score", "zone", "state"]
"""The columns a sample judged again gets from its new evaluation."""


@dataclass
class _Judged:
    """A stored sample judged again and its new signals (``spc.pipeline.rows.Evaluated``)."""

    char: Characteristic
    evaluation: Evaluation
    previous: Hashable | None
    involved: list[list[Hashable]]
    sample: Sample | None
    violations: list[Violation] = field(default_factory=list)


def split_late(
    jobs: list[Job], newest: Mapping[int, datetime] | None = None
) -> tuple[list[Job], list[Job]]:
    """(late jobs, in-order jobs): a job is late when its source time is older than the
    newest stored sample of its characteristic or an earlier job of the list. ``newest``:
    the newest included sample's source time of each characteristic that has one, when the
    caller read it (the pipeline, with the ids it checks its windows against); otherwise
    one query. None is late when no job brought its own time."""
    if not any(job.data.timestamp is not None for job in jobs):
        return [], jobs
    if newest is None:
        ids = sorted({job.data.characteristic_id for job in jobs})
        newest = {cid: stamp for cid, (_, stamp) in newest_included(ids).items()}
    last_seen = dict(newest)
    late: list[Job] = []
    in_order: list[Job] = []
    for job in jobs:
        cid = job.data.characteristic_id
        last = last_seen.get(cid)
        if last is not None and job.stamp < last:
            late.append(job)
        else:
            in_order.append(job)
            last_seen[cid] = job.stamp
    return late, in_order


def store_late(
    jobs: list[Job],
    chars: dict[int, Characteristic],
    results: list[Any],
    touched: dict[int, Any],
    make_result: Callable[[Sample, list[Violation], bool], Any],
) -> None:
    """Store the late jobs (see the module docstring); fill their ``results`` with a
    ``ProcessResult`` or the ``InputError`` that refused one. Call inside the batch's
    transaction with the characteristics locked; drops their windows from ``touched``.
    ``make_result(sample, violations, created)`` builds the pipeline's result."""
    by_char: dict[int, list[Job]] = {}
    for job in jobs:
        by_char.setdefault(job.data.characteristic_id, []).append(job)
    later: list[_Judged] = []
    for cid, group in by_char.items():
        windows.invalidate(cid)
        touched.pop(cid, None)
        char = chars[cid]
        for item in _store_for(char, group, results, later):
            assert item.sample is not None
            results[item.job.index] = make_result(item.sample, item.violations, True)
        Characteristic.objects.filter(pk=cid).update(revision=F("revision") + 1)
        chart_revisions.touch([cid])
        events.limits_changed(cid, char.node_path)  # type: ignore[attr-defined]
    # Violations raised on later samples reach notifications as the pipeline's own do (the
    # late samples' own go with their results).
    raised = [make_result(j.sample, j.violations, True) for j in later if j.sample and j.violations]
    if raised and signals.violations_raised.has_listeners():
        transaction.on_commit(
            functools.partial(signals.violations_raised.send, sender=make_result, results=raised)
        )


def _store_for(
    char: Characteristic, jobs: list[Job], results: list[Any], later: list[_Judged]
) -> list[Stored]:
    """Store one characteristic's late jobs; the later samples judged again go to ``later``."""
    config = cached_config(char, config_for)
    capacity = window_capacity(config)
    jobs = sorted(jobs, key=lambda job: (job.stamp, job.index))
    boundary = (
        LimitSet.objects.filter(characteristic=char, after_sample_id__isnull=False)
        .order_by("-id")
        .values_list("after_sample_id", flat=True)
        .first()
    )
    # The horizon test is monotonic in time: find the first job within it by bisection.
    low, high = 0, len(jobs)
    while low < high:
        middle = (low + high) // 2
        if _within_horizon(char, jobs[middle].stamp, boundary):
            high = middle
        else:
            low = middle + 1
    beyond, within = jobs[:low], jobs[low:]
    placed = _rejudge(char, config, capacity, within, results, later) if within else []
    flagged = _store_beyond(char, config, capacity, beyond, results)
    _flag(placed, SampleArrival.LATE)
    _flag(flagged, SampleArrival.HORIZON)
    return placed + flagged


def _store_beyond(
    char: Characteristic,
    config: CharacteristicConfig,
    capacity: int,
    jobs: list[Job],
    results: list[Any],
) -> list[Stored]:
    """Jobs beyond the horizon: each gets its plotted value from the points before it (the
    stored ones before the first, then each other), no rule result."""
    if not jobs:
        return []
    window = _window_before(char, jobs[0].stamp, capacity)
    stored: list[Stored] = []
    for job in jobs:
        item = _evaluated(char, config, job, window, results, -(len(stored) + 1))
        if item is None:
            continue
        item.evaluation = replace(item.evaluation, signals=())
        item.involved = []
        window.append(item.evaluation.point, item.placeholder)
        stored.append(item)
    write(stored, {})
    return stored


def _within_horizon(char: Characteristic, stamp: datetime, boundary: int | None) -> bool:
    """At most ``late_horizon`` included samples after ``stamp``, none judged under limits
    that are no longer in force (stored at or before the last limit change)."""
    if char.late_horizon == 0:
        return False
    after = Sample.objects.filter(characteristic=char, is_excluded=False, timestamp__gt=stamp)
    if after[char.late_horizon : char.late_horizon + 1].exists():
        return False
    return boundary is None or not after.filter(id__lte=boundary).exists()


def _window_before(char: Characteristic, stamp: datetime, capacity: int) -> RollingWindow:
    """The included stored points at or before ``stamp`` (a new sample sorts after the
    stored ones of the same time), as the pipeline's window would hold them."""
    rows = list(
        Sample.objects.filter(characteristic=char, is_excluded=False, timestamp__lte=stamp)
        .order_by("-timestamp", "-id")
        .values(*POINT_FIELDS)[:capacity]
    )
    rows.reverse()
    return RollingWindow.from_points(((point_from_row(r), r["id"]) for r in rows), capacity)


def _evaluated(
    char: Characteristic,
    config: CharacteristicConfig,
    job: Job,
    window: RollingWindow,
    results: list[Any],
    placeholder: int = -1,
) -> Stored | None:
    """A late job evaluated as the next point after ``window`` (``None``: refused, its
    ``InputError`` in ``results``)."""
    try:
        if char.plausible_low is not None or char.plausible_high is not None:
            check_plausible(
                job.subgroup.measurements,
                char.plausible_low,
                char.plausible_high,
                ValueLabel(char.name, char.unit, char.decimal_places),
            )
        evaluation = evaluate(window, job.subgroup, config)
    except InputError as exc:
        results[job.index] = exc
        return None
    involved = [[key_of(window, i, placeholder) for i in s.involved] for s in evaluation.signals]
    return Stored(job, char, evaluation, placeholder, window.newest_key(), involved)


def _rejudge(
    char: Characteristic,
    config: CharacteristicConfig,
    capacity: int,
    jobs: list[Job],
    results: list[Any],
    later: list[_Judged],
) -> list[Stored]:
    """Evaluate ``jobs`` in their places and judge every stored sample after the earliest
    again; store the new samples, the restated points and the violations that changed."""
    first = jobs[0].stamp
    window = _window_before(char, first, capacity)
    followers = list(
        Sample.objects.filter(characteristic=char, timestamp__gt=first)
        .order_by("timestamp", "id")
        .prefetch_related("measurements")
    )
    existing = {
        (v.sample_id, v.rule): v
        for v in Violation.objects.filter(sample_id__in_array=[s.pk for s in followers])
    }
    # Stored samples sort before a new one of the same time (a new sample's id is larger).
    merged: list[tuple[datetime, int, int, Sample | Job]] = [
        (s.timestamp, 0, s.pk, s) for s in followers
    ]
    merged += [(job.stamp, 1, job.index, job) for job in jobs]
    merged.sort(key=lambda entry: entry[:3])
    chart = ChartType(char.chart_type)
    new: list[Stored] = []
    judged: list[_Judged] = []
    restated: list[Sample] = []
    signalled: set[tuple[int, int]] = set()
    judged_ids: set[int] = set()
    for _, _, _, entry in merged:
        if isinstance(entry, Job):
            item = _evaluated(char, config, entry, window, results, -(len(new) + 1))
            if item is not None:
                new.append(item)
                window.append(item.evaluation.point, item.placeholder)
            continue
        if entry.is_excluded:
            continue
        try:
            evaluation = evaluate(window, subgroup_of(entry, chart), config)
        except InputError:  # a sample the chart cannot take any more breaks the series
            window = RollingWindow(capacity)
            continue
        if _restate(entry, evaluation):
            restated.append(entry)
        judged_ids.add(entry.pk)
        signalled.update((entry.pk, int(s.rule)) for s in evaluation.signals)
        fresh = tuple(s for s in evaluation.signals if (entry.pk, int(s.rule)) not in existing)
        if fresh:
            involved = [[key_of(window, i, entry.pk) for i in s.involved] for s in fresh]
            judged.append(
                _Judged(
                    char, replace(evaluation, signals=fresh), window.newest_key(), involved, entry
                )
            )
        window.append(evaluation.point, entry.pk)
    write(new, {})
    ids: dict[Hashable, Hashable] = {s.placeholder: s.sample.pk for s in new if s.sample}
    for again in judged:
        again.previous = ids.get(again.previous, again.previous)
        again.involved = [[ids.get(k, k) for k in keys] for keys in again.involved]
    if restated:  # only the rows whose point changed: usually the next one or two
        Sample.objects.bulk_update(restated, RESTATED, batch_size=500)
    write_violations(judged, {}, timezone.now())
    _close_gone(existing, signalled, judged_ids, new)
    _reopen(existing, signalled)
    later.extend(judged)
    return new


def _restate(sample: Sample, evaluation: Evaluation) -> bool:
    """Give ``sample`` its new point; True when a stored column changes."""
    point = evaluation.point
    new = {
        "value": point.value,
        "secondary_value": point.secondary_value,
        "center_line": point.center_line,
        "ucl": point.ucl,
        "lcl": point.lcl,
        "z_score": point.z,
        "zone": point.zone.value if point.zone else "",
        "state": list(point.state),
    }
    changed = False
    for name, value in new.items():
        if getattr(sample, name) != value:
            setattr(sample, name, value)
            changed = True
    return changed


def _close_gone(
    existing: dict[tuple[int, int], Violation],
    signalled: set[tuple[int, int]],
    judged_ids: set[int],
    new: list[Stored],
) -> None:
    """Close the open violations of judged samples that no longer hold, with a note."""
    gone = [
        v.pk
        for key, v in existing.items()
        if key[0] in judged_ids and key not in signalled and v.acknowledged_at is None
    ]
    if not gone or not new:
        return
    first = min(new, key=lambda item: item.job.stamp)
    assert first.sample is not None
    close_superseded(
        gone,
        f"{LATE_NOTE} {first.sample.pk} (source time {first.job.stamp.isoformat()}) was put "
        "before it.",
    )


def _reopen(existing: dict[tuple[int, int], Violation], signalled: set[tuple[int, int]]) -> None:
    """Reopen violations an earlier late sample closed that hold again."""
    again = [
        v.pk
        for key, v in existing.items()
        if key in signalled and v.acknowledged_at is not None and v.comment.startswith(LATE_NOTE)
    ]
    reopen_superseded(again, "It holds again after a later arrival.")


def _flag(items: Iterable[Stored], arrival: str) -> None:
    pks = []
    for item in items:
        assert item.sample is not None
        item.sample.arrival = arrival
        pks.append(item.sample.pk)
    if pks:
        Sample.objects.filter(pk__in=pks).update(arrival=arrival)
