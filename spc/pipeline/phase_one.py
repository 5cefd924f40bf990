"""Phase I review: the baseline collected before the first limits, judged by them.

Samples stored while a characteristic had no limits (Phase I) carry no CL/UCL/LCL, z or
zone, and no rule has read them. When limits are stored for it, the engineer may have
them evaluated against the new limits ("evaluate the baseline against these limits", on
by default in the admin and the API): ``evaluate_phase_one`` runs them through the core in
order, exactly as the pipeline would have with those limits, so each gets its plotted
value, limits, z, zone and chart memory, and the rules (rule 101 included) run over them
with the pipeline's episode logic. Their violations are stored rows like any other (listed,
counted, acknowledged, exported); they are not sent to MQTT or as toasts, being history:
open pages re-fetch on the ``limits.changed`` event of the same change.

Which samples: those stored without limits after the newest sample that had limits (the
stretch no rule has read: the whole history before the first limits, or what was collected
after limits were cleared). Samples that had limits keep what they stored, so a later
recalculation never rewrites a phase II point.

An excluded sample gets its plotted value and limits but no rule reads it, and it is not in
the series the rules read, as the pipeline's windows leave it out. A sample the chart cannot
take now (a one-value X̄-R subgroup stored before that was refused) stays without limits
and breaks the series, as a point without z breaks the rules' tail in a window.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from alerts.models import Violation
from spc.core.errors import InputError
from spc.core.evaluate import Evaluation, evaluate, window_capacity
from spc.core.types import ChartType, Point, Subgroup
from spc.core.window import RollingWindow
from spc.models import Characteristic, Sample
from spc.pipeline import parts
from spc.pipeline.config import config_for
from spc.pipeline.rows import key_of, write_violations

POINT_COLUMNS = ["value", "secondary_value", "center_line", "ucl", "lcl", "z_score", "zone"]
"""The columns a Phase I sample gets from its evaluation (plus its chart memory)."""


@dataclass
class _Judged:
    """A Phase I sample and the evaluation that judged it (``rows.Evaluated``)."""

    char: Characteristic
    evaluation: Evaluation
    previous: Hashable | None
    involved: list[list[Hashable]]
    sample: Sample | None
    violations: list[Violation] = field(default_factory=list)


def subgroup_of(
    sample: Sample, chart_type: ChartType, part_table: parts.PartTable | None = None
) -> Subgroup:
    """A stored sample as the core's subgroup (measurements prefetched by the caller); on
    a short-run chart with its part's standard (``part_table``: the characteristic's, when
    the caller has read it)."""
    if chart_type.is_attribute:
        return Subgroup(count=sample.count, sample_size=sample.sample_size)
    values = tuple(m.value for m in sample.measurements.all())
    if not values:  # imported summary rows without measurements
        values = (sample.mean if sample.mean is not None else sample.value,)
    return parts.with_part(Subgroup(measurements=values), sample, chart_type, part_table)


def phase_one_samples(char: Characteristic) -> QuerySet[Sample]:
    """The samples stored without limits after the newest one that had limits, oldest
    first (see the module docstring)."""
    newest_judged = (
        Sample.objects.filter(characteristic=char, center_line__isnull=False)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    samples = Sample.objects.filter(characteristic=char, center_line__isnull=True)
    if newest_judged is not None:
        samples = samples.filter(id__gt=newest_judged)
    return samples.order_by("id")


def phase_one_count(char: Characteristic) -> int:
    """How many samples storing limits now would evaluate."""
    return phase_one_samples(char).count()


def _restate(sample: Sample, point: Point) -> None:
    sample.value = point.value
    sample.secondary_value = point.secondary_value
    sample.center_line = point.center_line
    sample.ucl = point.ucl
    sample.lcl = point.lcl
    sample.z_score = point.z
    sample.zone = point.zone.value if point.zone else ""
    sample.state = list(point.state)


def evaluate_phase_one(char: Characteristic) -> int:
    """Evaluate the Phase I samples against ``char``'s limits (already stored, in the
    caller's transaction); store their points and violations. Returns how many violations
    they raised (0 when the characteristic has no usable limits)."""
    config = config_for(char)
    if config.limits is None:
        return 0
    chart = ChartType(char.chart_type)
    capacity = window_capacity(config)
    window = RollingWindow(capacity)
    previous: int | None = None
    judged: list[_Judged] = []
    restated: list[Sample] = []
    table = parts.tables([char.pk]).get(char.pk, {}) if parts.is_short_run(chart) else None
    for sample in phase_one_samples(char).prefetch_related("measurements"):
        try:
            evaluation = evaluate(window, subgroup_of(sample, chart, table), config)
        except InputError:
            window, previous = RollingWindow(capacity), None
            continue
        _restate(sample, evaluation.point)
        restated.append(sample)
        if sample.is_excluded:
            continue
        if evaluation.signals:
            involved = [
                [key_of(window, i, sample.pk) for i in signal.involved]
                for signal in evaluation.signals
            ]
            judged.append(_Judged(char, evaluation, previous, involved, sample))
        window.append(evaluation.point, sample.pk)
        previous = sample.pk
    Sample.objects.bulk_update(restated, [*POINT_COLUMNS, "state"], batch_size=500)
    write_violations(judged, {}, timezone.now())
    return sum(len(item.violations) for item in judged)
