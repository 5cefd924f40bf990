"""A stored series restated against one stage's limits and settings.

A stage of a chart begins with a stored limit set; the points of the stage are drawn against
its limits. Points the pipeline evaluated with limits keep what it stored: their statistic,
limits, z and zone are what the rules judged. Points stored without limits (the Phase I
baseline collected before the first limits, history imported before any limits) carry only
their measurements or counts and the raw mean; they are evaluated here exactly as the
pipeline would have evaluated them with the stage's limits (``spc.core.evaluate``), so a
STANDARDIZED point becomes z = (x-bar - CL)/(sigma/sqrt(n_i)), an EWMA point the EWMA
statistic and a CUSUM point C+ (with C- as its secondary value), each with its limits, z
and zone.

The chart memory of EWMA and CUSUM runs through the stage in order: the first point of a
stage starts from the in-control mean (EWMA z_0 = CL, point count 1) or from (0, 0) (CUSUM),
as the pipeline starts the first point after Phase I; a stored point passes its stored
memory on to the next. An excluded sample is drawn but passes no memory on, as the
pipeline's windows hold only included samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from spc.core.errors import InputError
from spc.core.evaluate import CharacteristicConfig, evaluate
from spc.core.types import Point, RuleSet, Subgroup
from spc.core.window import RollingWindow

MEMORY = 2
"""Past points the evaluation of one point reads (EWMA/CUSUM memory, moving range)."""


@dataclass(frozen=True, slots=True)
class StoredPoint:
    """One stored sample of a stage: its subgroup and, when the pipeline stored it with
    limits, the point it stored. ``remembered`` is False for an excluded sample."""

    subgroup: Subgroup
    point: Point | None = None
    remembered: bool = True


def restate(config: CharacteristicConfig, series: Sequence[StoredPoint]) -> list[Point | None]:
    """The points of one stage, oldest first.

    ``series`` holds each point's stored subgroup and, when the pipeline stored it with
    limits, the stored point (returned unchanged). Every other point is evaluated with
    ``config`` (the stage's chart, mode, limits and EWMA/CUSUM parameters); its run rules
    are not evaluated here (violations are stored rows). A subgroup the stage's chart
    cannot take (more measurements than its nominal n, counts on a variables chart) gives
    None: the caller keeps what is stored.
    """
    lenient = replace(
        config,
        min_measurements=1,
        warn_below_count=None,
        ruleset=RuleSet(()),
    )
    window = RollingWindow(MEMORY)
    out: list[Point | None] = []
    for key, item in enumerate(series):
        point = item.point
        if point is None:
            try:
                point = evaluate(window, item.subgroup, lenient).point
            except InputError:
                out.append(None)
                continue
        if item.remembered:
            window.append(point, key)
        out.append(point)
    return out
