"""Is the process in statistical control over a study's range? Counted from the chart.

The counts feed :class:`spc.core.capability_assessment.Stability`: the verdict of a
capability study says so when the control chart of the same range shows open violations
or points beyond its control limits.
"""

from __future__ import annotations

from django.db.models import F, Max, Min, Q

from alerts.models import NEEDS_ACK, Violation
from spc.charts.data import MAX_POINTS, chart_data
from spc.charts.stages import load_stages
from spc.core.capability_assessment import Stability
from spc.core.types import ChartType, SubgroupMode
from spc.models import Characteristic, SampleQuerySet

#: Charts whose stored value of a point stored before limits is the charted statistic.
FIXED_LIMIT_CHARTS = (ChartType.XBAR_R, ChartType.XBAR_S, ChartType.I_MR)


def study_stability(char: Characteristic, included: SampleQuerySet) -> Stability:
    """Open violations and points beyond the control limits among ``included`` samples.

    A point is judged against the limits stored with it (those in force when it was
    charted). A point stored before any limits (a Phase I baseline) belongs to a stage as
    the chart draws it (:func:`spc.charts.stages.load_stages`) and is judged against that
    stage's limits where its stored value is the charted statistic (X̄-R, X̄-S and I-MR
    with fixed limits, NOMINAL_TOLERANCE); otherwise as the chart restates it
    (:func:`spc.charts.data.chart_data`: the stage's statistic and limits), for at most
    ``MAX_POINTS`` such points. Beyond means strictly beyond: a point exactly on a limit is
    not beyond it; a CUSUM point is beyond when C⁺ or C⁻ exceeds H.
    """
    open_violations = Violation.objects.filter(sample__in=included).filter(NEEDS_ACK).count()
    charted = included.filter(ucl__isnull=False, lcl__isnull=False)
    judged = charted.count()
    beyond = charted.filter(Q(value__gt=F("ucl")) | Q(value__lt=F("lcl"))).count()
    baseline = included.filter(Q(ucl__isnull=True) | Q(lcl__isnull=True))
    rest, more_judged, more_beyond = _baseline_points(char, baseline)
    restated_judged, restated_beyond = _restated_points(char, rest)
    return Stability(
        open_violations=open_violations,
        beyond_limits=beyond + more_beyond + restated_beyond,
        judged=judged + more_judged + restated_judged,
        points=included.count(),
    )


def _baseline_points(
    char: Characteristic, baseline: SampleQuerySet
) -> tuple[SampleQuerySet, int, int]:
    """(points left to restate, judged, beyond) of points stored without limits, each
    against its stage's fixed limits where the stored value is the charted statistic."""
    stages = load_stages(char)
    if not stages:
        return baseline.none(), 0, 0
    judged = beyond = 0
    rest = baseline
    for index, stage in enumerate(stages):
        ucl, lcl = stage.values.get("ucl"), stage.values.get("lcl")
        config = stage.config
        if (
            ucl is None
            or lcl is None
            or config.chart_type not in FIXED_LIMIT_CHARTS
            or config.subgroup_mode != SubgroupMode.NOMINAL_TOLERANCE
        ):
            continue
        points = baseline
        if index > 0:
            points = points.filter(id__gt=stage.after_sample_id or 0)
        if index + 1 < len(stages):
            points = points.filter(id__lte=stages[index + 1].after_sample_id or 0)
        judged += points.count()
        beyond += points.filter(Q(value__gt=ucl) | Q(value__lt=lcl)).count()
        rest = rest.exclude(pk__in=points.values("pk"))
    return rest, judged, beyond


def _restated_points(char: Characteristic, rest: SampleQuerySet) -> tuple[int, int]:
    """(judged, beyond) of the points the chart restates against their stage."""
    span = rest.aggregate(first=Min("timestamp"), last=Max("timestamp"))
    if span["first"] is None:
        return 0, 0
    wanted = set(rest.values_list("pk", flat=True)[:MAX_POINTS])
    data = chart_data(char, start=span["first"], end=span["last"], limit=MAX_POINTS)
    judged = beyond = 0
    for point in data["points"]:
        if point["id"] not in wanted or None in (point["ucl"], point["lcl"], point["value"]):
            continue
        judged += 1
        lower = point["value"]
        if char.chart_type == ChartType.CUSUM and point.get("secondary_value") is not None:
            lower = -abs(point["secondary_value"])  # C⁻ is drawn (and judged) below zero
        beyond += point["value"] > point["ucl"] or lower < point["lcl"]
    return judged, beyond
