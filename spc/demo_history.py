"""The demo plant's history, built through the one write path as a plant builds it.

For each demo characteristic that has no samples yet:

1. **Phase I.** ``baseline`` subgroups of its nominal in-control process are stored with
   ``process_many`` while the characteristic has no limits (points without limits, no rules).
2. **Limits.** ``recalculate_limits`` computes the limits from exactly that baseline and
   records them in the limit history (no user: the system, with a reason). The limit set is
   dated between the baseline and the first phase II sample, when the plant computed it.
3. **Phase II.** ``history`` subgroups of the process the limits describe (their centre
   line and sigma: see ``process_model``) are processed with the rules on, so every point
   carries its limits and its violations are the ones the rules really raise.

The timestamps are spaced by each characteristic's sampling rhythm, the newest at ``end``.
A few special causes (``events`` across the whole plant, each on a random characteristic at
a random place in phase II) are part of the history; each ends before the newest sample,
and the violations it caused (whose pattern involves one of its samples) are acknowledged
with a fitting reason code, as the operators would have done. False alarms stay open.

How many false alarms to expect. In control, all eight Nelson rules with Nelson's
parameters complete a pattern on a point with these probabilities (independent normal
points; Nelson 1984; the zigzag number E14 = 199360981 from OEIS A000111): rule 1
2(1 - Φ(3)) = 0.00270, rule 2 2·0.5⁹ = 0.00391, rule 3 2/6! = 0.00278, rule 4
2·E14/14! = 0.00457, rule 5 0.00205, rule 6 0.00447, rule 7 0.6827¹⁵ = 0.00326, rule 8
0.3173⁸ = 0.00010: 0.0238 violations per subgroup, one per 42 subgroups (overlapping
patterns fire again, so they come in small clusters). Sixty phase II subgroups therefore
give a Shewhart characteristic about 1.4 violations on average; EWMA and CUSUM charts
evaluate only rule 1 (in-control ARL of several hundred subgroups) and see almost none.
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from django.db import transaction
from django.utils import timezone

from alerts.models import Violation
from alerts.services import acknowledge
from spc.core.errors import InputError
from spc.core.limits import limits_from_stored
from spc.core.types import ChartType
from spc.demo_plant import DemoCharacteristic, spec_for
from spc.demo_process import CauseKind, Draw, ProcessModel, SpecialCause, random_cause
from spc.models import Characteristic, LimitSet
from spc.pipeline.limit_changes import recalculate_limits
from spc.pipeline.processing import ProcessResult, SubgroupInput, process_many

logger = logging.getLogger(__name__)

BASELINE = 25
HISTORY = 60
EVENTS = 4
SHORT_RATE = 0.1
"""Chance that a subgroup of a VARIABLE_LIMITS or STANDARDIZED characteristic misses one
measurement, so that their funnel and z scale show."""
MEMORY_TAIL = 20
SMALL_SHIFT_CHARTS = frozenset({"EWMA", "CUSUM"})
OPERATORS = ("A. Rivera", "J. Chen", "M. Okafor")
BASELINE_REASON = "Phase I baseline: limits from the first {n} subgroups"
REASONS = {
    CauseKind.SHIFT: ("material-lot", "setup-change", "machine-adjust"),
    CauseKind.TREND: ("tool-wear",),
    CauseKind.OUTLIER: ("gauge-error", "operator-error"),
}


@dataclass
class SeedReport:
    """What ``seed_demo_history`` stored."""

    characteristics: int = 0
    samples: int = 0
    with_limits: int = 0
    events: list[tuple[str, SpecialCause]] = field(default_factory=list)
    acknowledged: int = 0
    seconds: float = 0.0


def process_model(
    char: Characteristic,
    spec: DemoCharacteristic,
    rng: np.random.Generator,
    *,
    event_rate: float = 0.0,
) -> ProcessModel:
    """The process a demo characteristic's data come from.

    With stored limits, the process they describe: the centre line and the sigma the limits
    were computed from (for p and np the defective fraction CL or CL/n, for c and u the
    defects per sample or unit). Limits are computed from a finite baseline and differ from
    the nominal process by its sampling error; judging the nominal process against them
    would raise alarms no special cause explains (a sigma 20 % low multiplies rule 1's
    false alarms by six). Without limits (Phase I): the demo spec's nominal process.
    """
    model = ProcessModel(
        characteristic_id=char.pk,
        chart_type=char.chart_type,
        subgroup_size=char.subgroup_size,
        centre=spec.mean,
        sigma=spec.sigma,
        rate=spec.rate,
        sample_size=spec.sample_size,
        event_rate=event_rate,
        min_measurements=char.min_measurements,
        short_rate=SHORT_RATE if char.subgroup_mode != "NOMINAL_TOLERANCE" else 0.0,
        rng=rng,
    )
    adopt_limits(model, char)
    return model


def adopt_limits(model: ProcessModel, char: Characteristic) -> None:
    """Make ``model`` the process ``char``'s stored limits describe (no limits: unchanged)."""
    chart = ChartType(char.chart_type)
    limits = limits_from_stored(
        chart,
        char.subgroup_size,
        char.center_line,
        char.ucl,
        char.lcl,
        char.sigma,
        ewma_lambda=char.ewma_lambda,
        ewma_l=char.ewma_l,
        cusum_h=char.cusum_h,
    )
    if limits is None:
        return
    if chart == ChartType.NP:
        model.rate = limits.center_line / max(char.subgroup_size, 1)
    elif chart.is_attribute:
        model.rate = limits.center_line
    else:
        model.centre, model.sigma = limits.center_line, limits.sigma


def _stamps(end: datetime, every: timedelta, count: int) -> list[datetime]:
    return [end - every * (count - 1 - i) for i in range(count)]


def _input(char: Characteristic, draw: Draw, stamp: datetime, index: int) -> SubgroupInput:
    manual = char.provider == "MANUAL"
    return SubgroupInput(
        characteristic_id=char.pk,
        measurements=draw.measurements,
        count=draw.count,
        sample_size=draw.sample_size,
        timestamp=stamp,
        idempotency_key=f"demo-history:{char.pk}:{index}",
        operator=OPERATORS[(stamp.hour // 8) % len(OPERATORS)] if manual else "",
        source="MANUAL" if manual else "MQTT",
    )


def _stored(results: Sequence[object]) -> list[ProcessResult]:
    """The results of a history batch; a refused item is a bug in the demo, not data."""
    stored = []
    for result in results:
        if not isinstance(result, ProcessResult):
            raise RuntimeError(f"demo history subgroup refused: {result}")
        stored.append(result)
    return stored


def fade_length(char: Characteristic, cause: SpecialCause, length: int) -> int:
    """Subgroups after a cause of ``length`` ends until the chart has forgotten it.

    Shewhart charts judge each point alone (run patterns that reach back are attributed by
    their involved points). EWMA keeps (1 - λ)^t of it: 5 % after ceil(ln 0.05 / ln(1 - λ))
    subgroups. CUSUM adds |size| - k sigmas a subgroup while it lasts and sheds k a
    subgroup afterwards (there is no reset after a signal).
    """
    if char.chart_type == "EWMA":
        return math.ceil(math.log(0.05) / math.log(1 - min(char.ewma_lambda, 0.99)))
    if char.chart_type == "CUSUM" and char.cusum_k > 0:
        return math.ceil(length * max(abs(cause.size) - char.cusum_k, 0.0) / char.cusum_k)
    return 0


def plan_events(
    count: int, chars: list[Characteristic], history: int, rng: np.random.Generator
) -> dict[int, list[tuple[int, SpecialCause]]]:
    """``count`` special causes on random characteristics (one each at most), each over,
    and forgotten by its chart, at least 5 subgroups before the newest sample; a cause too
    long for that is shortened, one that cannot fit is left out."""
    planned: dict[int, list[tuple[int, SpecialCause]]] = defaultdict(list)
    room = history - 5
    for _ in range(count if chars else 0):
        char = chars[int(rng.integers(len(chars)))]
        cause = random_cause(rng)
        length = cause.length
        while length > 1 and 5 + length + fade_length(char, cause, length) > room:
            length -= 1
        last_start = room - length - fade_length(char, cause, length)
        if last_start < 5 or planned[char.pk]:
            continue
        cause = SpecialCause(cause.kind, cause.size, length)
        planned[char.pk].append((int(rng.integers(5, last_start + 1)), cause))
    return planned


def seed_demo_history(
    *,
    baseline: int = BASELINE,
    history: int = HISTORY,
    events: int = EVENTS,
    end: datetime | None = None,
    seed: int | None = 7,
) -> SeedReport:
    """Give every demo characteristic without samples a phase I baseline, limits from it
    and a phase II history (see the module docstring); idempotent per characteristic."""
    if baseline < 2:
        raise ValueError("A phase I baseline needs at least 2 subgroups.")
    started = time.perf_counter()
    report = SeedReport()
    end = end or timezone.now()
    rng = np.random.default_rng(seed)
    empty = Characteristic.objects.select_related("hierarchy").filter(
        samples__isnull=True, active=True
    )
    specs = {c.pk: spec for c in empty if (spec := spec_for(c)) is not None}
    chars = [c for c in empty if c.pk in specs]
    models = {
        c.pk: process_model(c, specs[c.pk], np.random.default_rng(rng.integers(2**32)))
        for c in chars
    }
    stamps = {
        c.pk: _stamps(end, timedelta(minutes=specs[c.pk].every), baseline + history) for c in chars
    }
    with transaction.atomic():
        phase_one = [
            _input(c, models[c.pk].next(), stamps[c.pk][i], i)
            for c in chars
            for i in range(baseline)
        ]
        report.samples += len(_stored(process_many(phase_one)))
        for char in chars:
            if _store_baseline_limits(char, baseline, stamps[char.pk]):
                adopt_limits(models[char.pk], char)
                report.with_limits += 1
        if history > 0 and chars:
            _phase_two(chars, models, stamps, baseline, history, events, rng, report)
    report.characteristics = len(chars)
    report.seconds = time.perf_counter() - started
    return report


def _store_baseline_limits(char: Characteristic, baseline: int, stamps: list[datetime]) -> bool:
    """Limits from the baseline, as an engineer stores them; False when it has no spread
    (the characteristic then stays in Phase I)."""
    try:
        recalculate_limits(char, last_n=baseline, reason=BASELINE_REASON.format(n=baseline))
    except InputError as exc:
        logger.warning("no limits for %s: %s", char.name, exc)
        return False
    # Computed right after the last baseline subgroup, before the first phase II one.
    computed_at = stamps[baseline - 1] + (stamps[1] - stamps[0]) / 2
    newest = LimitSet.objects.filter(characteristic=char).order_by("-id").values("pk")[:1]
    LimitSet.objects.filter(pk__in=newest).update(created_at=computed_at)
    return True


def _phase_two(
    chars: list[Characteristic],
    models: dict[int, ProcessModel],
    stamps: dict[int, list[datetime]],
    baseline: int,
    history: int,
    events: int,
    rng: np.random.Generator,
    report: SeedReport,
) -> None:
    planned = plan_events(events, chars, history, rng)
    for char in chars:
        for after, cause in planned.get(char.pk, []):
            models[char.pk].schedule(cause, after=after)
            report.events.append((char.name, cause))
    items: list[SubgroupInput] = []
    causes: list[SpecialCause | None] = []
    for char in chars:
        for i in range(baseline, baseline + history):
            draw = models[char.pk].next()
            items.append(_input(char, draw, stamps[char.pk][i], i))
            causes.append(draw.cause)
    results = _stored(process_many(items))
    report.samples += len(results)
    by_pk = {char.pk: char for char in chars}
    for char_id, cause, sample_ids in _event_samples(items, results, causes, by_pk):
        report.acknowledged += _acknowledge_event(by_pk[char_id], cause, sample_ids, rng)


def _event_samples(
    items: list[SubgroupInput],
    results: list[ProcessResult],
    causes: list[SpecialCause | None],
    chars: dict[int, Characteristic],
) -> list[tuple[int, SpecialCause, set[int]]]:
    """(characteristic id, cause, ids of the samples it explains) of every special cause.

    An EWMA or CUSUM statistic carries the cause on for a while after it ends (EWMA forgets
    (1 - λ) of it per subgroup, 0.8^20 = 1 %; C+ falls by k sigma per subgroup), so the
    ``MEMORY_TAIL`` samples after it count as its own there.
    """
    found: dict[tuple[int, int], tuple[SpecialCause, list[int]]] = {}
    order: dict[int, list[int]] = defaultdict(list)
    for item, result, cause in zip(items, results, causes, strict=True):
        order[item.characteristic_id].append(result.sample.pk)
        if cause is not None:
            key = (item.characteristic_id, id(cause))
            found.setdefault(key, (cause, []))[1].append(result.sample.pk)
    explained = []
    for (char_id, _), (cause, pks) in found.items():
        ids = set(pks)
        if chars[char_id].chart_type in SMALL_SHIFT_CHARTS:
            after = order[char_id].index(pks[-1]) + 1
            ids.update(order[char_id][after : after + MEMORY_TAIL])
        explained.append((char_id, cause, ids))
    return explained


def _acknowledge_event(
    char: Characteristic, cause: SpecialCause, sample_ids: set[int], rng: np.random.Generator
) -> int:
    """Acknowledge the violations whose pattern involves a sample the cause explains."""
    ids = [
        pk
        for pk, sample_id, involved in Violation.objects.filter(
            characteristic_id=char.pk, acknowledged_at__isnull=True
        ).values_list("pk", "sample_id", "involved_sample_ids")
        if sample_id in sample_ids or sample_ids.intersection(involved or ())
    ]
    if not ids:
        return 0
    codes = REASONS[cause.kind]
    code = codes[int(rng.integers(len(codes)))]
    if cause.kind == CauseKind.TREND and char.unit == "°C":
        code = "temperature"  # a drifting temperature is the room's or the coolant's
    done = acknowledge(ids, user=None, reason_code=code, comment=f"{cause.describe()}.")
    return len(done.acknowledged)
