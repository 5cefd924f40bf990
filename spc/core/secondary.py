"""Run rules on the secondary pane: the R, S or MR series judged against its own limits.

The range (X-bar R), standard deviation (X-bar S) or moving range (I-MR) of each point is
judged against the secondary chart's limits in force (UCL_R/LCL_R and their S and MR
counterparts, for the nominal n). Which rules apply there is configured per
characteristic (``rule_specs.secondary_ruleset_from_mapping``: the ``"secondary"`` entry
of the ``rules`` JSON); without it only rule 1 applies, CRITICAL, whenever the primary
chart's rule 1 is on. A rule k fired on the secondary pane is stored as rule ``100 + k``
(``types.secondary_rule_id``; 101 = ``SECONDARY_BEYOND_LIMITS``).

Scale. Rules 2-8 read ``z = (value - CL_sec) / sigma_sec`` with
``sigma_sec = (UCL_sec - CL_sec) / 3`` on *both* sides of the centre line. The R and S
distributions are skewed (bounded by 0 below), and for small subgroups the LCL is clipped
to 0: the upper half-width is the one estimated from d3 (R) or c4 (S) before any
clipping, so it is the honest sigma of the statistic; with unclipped limits (R: n >= 7,
S: n >= 6) D3/D4 and B3/B4 are symmetric about 1 and both sides agree. A clipped LCL
therefore never lets zone tests below the centre line read a compressed scale. Zones on a
skewed statistic are an approximation (the tail probabilities of the normal-theory rules
are not exact for R and S), and consecutive moving ranges share a point, so MR values are
correlated: a run rule on the MR chart signals more often than its nominal false alarm
rate. Engineers switch such rules on knowingly; the default stays rule 1 only.

Rule 1 (beyond ``sigma``, default 3) is judged per side, in ``sigma``-thirds of the
distance from the centre line to that side's limit, so at 3 it is "strictly beyond the
drawn limit" (a point exactly on a limit is not beyond it; an R of 0 on an LCL_R of 0 is
on the limit), exactly as before secondary rules were configurable.

``latest`` judges the newest point of a tail in O(max length) plain Python (the streaming
evaluator); ``scan_rules`` judges a whole series with numpy. The test suite checks that
they agree, as it does for the primary chart. EWMA and CUSUM have no secondary chart
(CUSUM's C- is part of its statistic), attribute charts neither.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from spc.core import rules as run_rules
from spc.core.rule_specs import default_secondary
from spc.core.types import (
    ChartLimits,
    ChartType,
    RuleId,
    RuleSet,
    Signal,
    secondary_rule_id,
)
from spc.core.zones import BOUNDARY_TOLERANCE

SECONDARY_CHARTS: frozenset[ChartType] = frozenset(
    {ChartType.XBAR_R, ChartType.XBAR_S, ChartType.I_MR}
)
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def is_beyond(value: float, limits: ChartLimits, sigma: float = 3.0) -> bool:
    """True when ``value`` lies strictly beyond ``sigma`` thirds of the way from the centre
    line to the limit on its side (at 3: strictly beyond the UCL or the LCL).

    The clipped LCL of 0 of an R chart judges the lower side on its own scale; a value on
    a limit, or a side without width, is not beyond.
    """
    center = limits.center_line
    width = (limits.ucl - center) / 3 if value >= center else (center - limits.lcl) / 3
    if not width > 0:
        return False
    return abs((value - center) / width) > sigma + BOUNDARY_TOLERANCE


def beyond_mask(
    values: FloatArray, center: FloatArray, ucl: FloatArray, lcl: FloatArray, sigma: float = 3.0
) -> BoolArray:
    """``is_beyond`` for a series (limits per point); NaN is never beyond."""
    above = values >= center
    width = np.where(above, ucl - center, center - lcl) / 3
    # A width of a few subnormals overflows z to infinity: beyond, as in plain Python.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = np.where(width > 0, (values - center) / width, 0.0)
    return np.asarray(np.abs(z) > sigma + BOUNDARY_TOLERANCE)


def sigma_of(limits: ChartLimits) -> float:
    """sigma_sec = (UCL_sec - CL_sec) / 3: the secondary statistic's sigma (see above)."""
    return (limits.ucl - limits.center_line) / 3


def at_width(limits: ChartLimits, k: float) -> ChartLimits:
    """Limits drawn at ``k`` sigma restated at 3 sigma, so that ``sigma_of`` is the
    statistic's sigma (each side scaled on its own: a clipped LCL stays proportionate);
    unchanged at k = 3. Rule 1 on them is then judged at ``k`` (the drawn limits)."""
    if k == 3.0 or not k > 0:
        return limits
    factor = 3.0 / k
    center = limits.center_line
    return ChartLimits(
        center, center + (limits.ucl - center) * factor, center - (center - limits.lcl) * factor
    )


def z_of(value: float, limits: ChartLimits) -> float:
    """(value - CL_sec) / sigma_sec, 0 for limits without width (nothing to judge)."""
    unit = sigma_of(limits)
    return (value - limits.center_line) / unit if unit > 0 else 0.0


def effective(chart_type: ChartType, primary: RuleSet, configured: RuleSet | None) -> RuleSet:
    """The rules judged on the chart's secondary pane: none without one, else the
    configured set, or rule 1 alone when the primary rule 1 is on (``default_secondary``)."""
    if chart_type not in SECONDARY_CHARTS:
        return RuleSet(())
    return configured if configured is not None else default_secondary(primary)


def applies(chart_type: ChartType, ruleset: RuleSet, configured: RuleSet | None = None) -> bool:
    """True when the chart has a secondary pane with at least one rule on it."""
    return bool(effective(chart_type, ruleset, configured).specs)


def _split(ruleset: RuleSet) -> tuple[float | None, RuleSet]:
    """(sigma of rule 1 or None, the run rules 2-8)."""
    sigma = None
    others = []
    for spec in ruleset.specs:
        if spec.rule == RuleId.BEYOND_LIMITS:
            sigma = spec.sigma
        else:
            others.append(spec)
    return sigma, RuleSet(tuple(others))


def _stored(signal: Signal) -> Signal:
    return Signal(
        signal.index, secondary_rule_id(RuleId(signal.rule)), signal.severity, signal.involved
    )


def latest(
    values: Sequence[float], limits: ChartLimits | None, ruleset: RuleSet, offset: int = 0
) -> list[Signal]:
    """Secondary-pane signals completed by the last value of ``values`` (ids 100 + k).

    ``values`` is the trailing run of secondary values (R, S or MR; none missing) and its
    first value has index ``offset``; only the last ``ruleset.max_length`` are read. No
    values, no limits (Phase I) or no rules raise nothing. O(max length).
    """
    if not values or limits is None or not ruleset.specs:
        return []
    tail = values[-ruleset.max_length :]
    base = offset + len(values) - len(tail)
    index = base + len(tail) - 1
    out: list[Signal] = []
    sigma, others = _split(ruleset)
    if sigma is not None and is_beyond(tail[-1], limits, sigma):
        spec = next(s for s in ruleset.specs if s.rule == RuleId.BEYOND_LIMITS)
        out.append(Signal(index, secondary_rule_id(RuleId.BEYOND_LIMITS), spec.severity, (index,)))
    if others.specs:
        z = [z_of(v, limits) for v in tail]
        out.extend(_stored(s) for s in run_rules.latest(z, others, offset=base))
    return out


def scan_rules(
    values: Sequence[float | None], limits: ChartLimits, ruleset: RuleSet
) -> list[Signal]:
    """Every secondary-pane signal over a series, sorted by (index, rule); ids 100 + k.

    A missing value (the first point of an I-MR chart) breaks the series: the rules start
    again after it, as the streaming evaluator's tail does.
    """
    series = np.array([np.nan if v is None else v for v in values], dtype=float)
    out: list[Signal] = []
    sigma, others = _split(ruleset)
    if sigma is not None:
        size = len(series)
        mask = beyond_mask(
            series,
            np.full(size, limits.center_line),
            np.full(size, limits.ucl),
            np.full(size, limits.lcl),
            sigma,
        )
        spec = next(s for s in ruleset.specs if s.rule == RuleId.BEYOND_LIMITS)
        rule = secondary_rule_id(RuleId.BEYOND_LIMITS)
        out.extend(Signal(int(i), rule, spec.severity, (int(i),)) for i in np.flatnonzero(mask))
    if others.specs:
        unit = sigma_of(limits)
        z = (series - limits.center_line) / unit if unit > 0 else np.zeros_like(series)
        start = 0
        for stop in [*np.flatnonzero(np.isnan(series)).tolist(), len(series)]:
            for found in run_rules.scan(z[start:stop], others):
                shifted = tuple(j + start for j in found.involved)
                moved = Signal(found.index + start, found.rule, found.severity, shifted)
                out.append(_stored(moved))
            start = stop + 1
    out.sort(key=lambda s: (s.index, s.rule))
    return out


def scan(values: list[float | None], limits: ChartLimits) -> list[int]:
    """Indices of the points of a series whose secondary value is beyond ``limits``."""
    series = np.array([np.nan if v is None else v for v in values], dtype=float)
    size = len(series)
    mask = beyond_mask(
        series,
        np.full(size, limits.center_line),
        np.full(size, limits.ucl),
        np.full(size, limits.lcl),
    )
    return [int(i) for i in np.flatnonzero(mask)]
