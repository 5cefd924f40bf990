"""Evaluate one new subgroup against a characteristic's rolling window (no mutation).

The result is the charted point (statistic, limits in force, z, zone, secondary value and
chart memory) and the run-rule signals the point completes. The caller stores the point
and then appends it to the window, so a failed store leaves the window untouched.

Scales per subgroup mode: NOMINAL_TOLERANCE judges x-bar against the stored limits for the
nominal n; VARIABLE_LIMITS against CL +/- 3 sigma/sqrt(n_i); STANDARDIZED plots
z = (x-bar - CL)/(sigma/sqrt(n_i)) against +/-3. The run rules always read z, the point's
distance from the centre line in sigma units of the plotted statistic, so they judge every
mode on its own scale. For symmetric limits z = (value - CL) / ((UCL - CL) / k), k the
limit width (``ControlLimits.k``, default 3), so z stays in sigma units at any width; when
k is not 3, rule 1 is judged at k sigma (the drawn limits) instead of its spec's sigma.

Attribute charts (p, np, c, u) always get the limits of their own sample size, and z is
(value - CL_i) / sigma_i on both sides, so a clipped LCL of 0 does not distort it (a count
of 0 on an LCL of 0 is on the limit, not beyond it).

Rules on the secondary pane (``spc.core.secondary``): the R, S or MR series is judged by
the configured secondary rules (``secondary_ruleset``; None: rule 1 alone, CRITICAL, when
the primary rule 1 is on), each stored as 100 + k (101: beyond the secondary limits in
force), on the same point, after the primary chart's signals. With Montgomery's variable-n
X-bar S limits the S limits in force are those of the point's n_i (``spc.core.widths``);
limits drawn at k sigma are restated at 3 sigma for the run rules' zones and rule 1 is
judged at k (``secondary.at_width``), as on the primary pane.

EWMA and CUSUM evaluate only rule 1 against their own limits: the other run rules assume
independent points, which the smoothed statistics are not. ``Point.state`` carries their
memory: EWMA (z_i, i) -- i keeps the time-varying limits exact -- and CUSUM (C+, C-); the
plotted value is z_i or C+ (C- is the secondary value), and subgroup modes do not apply.
In Phase I (no limits) a point has no limits, z or zone and raises no signals.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace

from spc.core import rules, shortrun
from spc.core import secondary as secondary_rule
from spc.core.frozen import quick_init
from spc.core.limits import SMALL_SHIFT, point_limits, sigma_of_statistic
from spc.core.smallshift import cusum_step, ewma_half_width, ewma_step
from spc.core.subgroup import ValidatedSubgroup, validate
from spc.core.types import (
    DEFAULT_LIMIT_SIGMA,
    ChartLimits,
    ChartType,
    ControlLimits,
    Point,
    RuleId,
    RuleSet,
    Signal,
    Subgroup,
    SubgroupMode,
)
from spc.core.widths import secondary_point_limits
from spc.core.window import RollingWindow
from spc.core.zones import classify

# Past this many points the EWMA limits equal the asymptotic ones to double precision for
# any lambda >= 0.002, so the stored point count stops growing there.
EWMA_STEADY_STATE = 10_000


@dataclass(frozen=True)
class CharacteristicConfig:
    """What the core needs to know about a characteristic."""

    chart_type: ChartType
    subgroup_size: int
    subgroup_mode: SubgroupMode
    min_measurements: int
    warn_below_count: int | None
    limits: ControlLimits | None
    ruleset: RuleSet
    ewma_lambda: float = 0.2
    ewma_l: float = 3.0
    cusum_k: float = 0.5
    cusum_h: float = 5.0
    target: float | None = None
    secondary_ruleset: RuleSet | None = None

    @functools.cached_property
    def on_secondary(self) -> RuleSet:
        """The rules judged on the secondary pane (``spc.core.secondary.effective``), worked
        out once per configuration rather than once per evaluated point."""
        return secondary_rule.effective(self.chart_type, self.ruleset, self.secondary_ruleset)


@quick_init
@dataclass(frozen=True)
class Evaluation:
    """The charted point and the signals it completes (indices: window.total = new point)."""

    point: Point
    signals: tuple[Signal, ...]


def window_capacity(config: CharacteristicConfig) -> int:
    """How many past points the evaluation of a new one needs."""
    secondary = config.on_secondary.max_length
    return max(config.ruleset.max_length, secondary, 2)


def effective_ruleset(config: CharacteristicConfig) -> RuleSet:
    """The rules evaluated for this chart: only rule 1 for EWMA and CUSUM. Limits at a
    width k other than 3 judge rule 1 at k sigma, so it fires beyond the drawn limits."""
    if config.chart_type in SMALL_SHIFT:
        return RuleSet(tuple(s for s in config.ruleset.specs if s.rule == RuleId.BEYOND_LIMITS))
    k = config.limits.k if config.limits is not None else DEFAULT_LIMIT_SIGMA
    return _rule_one_at(config.ruleset, k)


def _rule_one_at(ruleset: RuleSet, k: float) -> RuleSet:
    """``ruleset`` with rule 1 judged at ``k`` sigma (the drawn limits); unchanged at 3."""
    if k == DEFAULT_LIMIT_SIGMA:
        return ruleset
    return RuleSet(
        tuple(replace(s, sigma=k) if s.rule == RuleId.BEYOND_LIMITS else s for s in ruleset.specs)
    )


def _statistic(chart: ChartType, v: ValidatedSubgroup) -> float:
    chart = chart.base
    if chart == ChartType.P:
        return (v.count or 0.0) / (v.sample_size or 1.0)
    if chart == ChartType.U:
        return (v.count or 0.0) / (v.sample_size or 1.0)
    if chart in (ChartType.NP, ChartType.C):
        return v.count or 0.0
    return v.mean if v.mean is not None else 0.0


def _secondary(chart: ChartType, v: ValidatedSubgroup, previous: Point | None) -> float | None:
    if chart == ChartType.XBAR_R:
        return v.range
    if chart == ChartType.XBAR_S:
        return v.std_dev
    if chart == ChartType.I_MR:
        if previous is None or previous.mean is None or v.mean is None:
            return None
        return abs(v.mean - previous.mean)
    return None


def _small_shift(
    config: CharacteristicConfig, limits: ControlLimits, x: float, last: Point | None
) -> tuple[float, ChartLimits, float | None, tuple[float, ...], float]:
    """(value, limits in force, secondary, state, z) of an EWMA or CUSUM point.

    EWMA: z_i from the previous point's state (mu0 for the first point) against the exact
    time-varying limits of point i; state (z_i, i) -- the point count is kept so that the
    limits stay exact across processes and restarts. CUSUM: (C+, C-) from the previous
    state ((0, 0) first); plotted value C+, secondary C-, limits 0 +/- H; state (C+, C-).
    The sigma of the statistic uses the nominal subgroup size: subgroup modes do not apply.
    """
    sigma_stat = limits.sigma / math.sqrt(max(limits.subgroup_size, 1))
    mu0 = limits.center_line
    state = last.state if last is not None else ()
    if config.chart_type == ChartType.EWMA:
        if len(state) >= 2:
            previous, i = state[0], min(int(state[1]) + 1, EWMA_STEADY_STATE)
        elif state:  # a smoothed value without its point count: use the asymptotic limits
            previous, i = state[0], EWMA_STEADY_STATE
        else:
            previous, i = mu0, 1
        value = ewma_step(previous, x, config.ewma_lambda)
        half = ewma_half_width(sigma_stat, config.ewma_lambda, config.ewma_l, i)
        at = ChartLimits(mu0, mu0 + half, mu0 - half)
        z = 3 * (value - mu0) / half if half > 0 else 0.0
        return value, at, None, (value, float(i)), z
    sums = (state[0], state[1]) if len(state) >= 2 else (0.0, 0.0)
    upper, lower = cusum_step(sums, x, mu0, config.cusum_k * sigma_stat)
    h = config.cusum_h * sigma_stat
    z = 3 * (upper if upper >= lower else -lower) / h if h > 0 else 0.0
    return upper, ChartLimits(0.0, h, -h), lower, (upper, lower), z


def _z_from_limits(value: float, at: ChartLimits, k: float = DEFAULT_LIMIT_SIGMA) -> float:
    """(value - CL) / ((UCL - CL) / k), using the lower half-width below the centre line."""
    width = (
        (at.ucl - at.center_line) / k if value >= at.center_line else (at.center_line - at.lcl) / k
    )
    return (value - at.center_line) / width if width > 0 else 0.0


def _shewhart(
    config: CharacteristicConfig, limits: ControlLimits, x: float, n_i: float
) -> tuple[float, ChartLimits, float]:
    """(plotted value, limits in force, z) of a Shewhart point in the configured mode."""
    mode, chart = config.subgroup_mode, config.chart_type
    if mode == SubgroupMode.STANDARDIZED:
        center = point_limits(limits, SubgroupMode.NOMINAL_TOLERANCE, n_i).center_line
        unit = sigma_of_statistic(limits, n_i)
        z = (x - center) / unit if unit > 0 else 0.0
        return z, ChartLimits(0.0, limits.k, -limits.k), z
    at = point_limits(limits, mode, n_i)
    if chart.is_attribute:
        # The LCL may be clipped at 0: z keeps the statistic's own sigma on both sides.
        unit = sigma_of_statistic(limits, n_i)
        return x, at, ((x - at.center_line) / unit if unit > 0 else 0.0)
    return x, at, _z_from_limits(x, at, limits.k)


def evaluate(window: RollingWindow, subgroup: Subgroup, config: CharacteristicConfig) -> Evaluation:
    """Validate a subgroup and evaluate it as the next point after ``window``.

    Raises ``InputError`` (see ``spc.core.subgroup.validate``) for a subgroup the chart
    cannot take. Does not change ``window``. Signal indices count points as the window
    does: the new point's index is ``window.total``. A short-run chart (DNOM, Z-MR) is
    evaluated as its base chart on the subgroup relative to its part (``spc.core.shortrun``).
    """
    if config.chart_type in shortrun.SHORT_RUN:
        subgroup, base, limits = shortrun.prepare(
            subgroup, config.chart_type, config.subgroup_size, config.limits
        )
        config = replace(config, chart_type=base, limits=limits)
    chart = config.chart_type
    checked = validate(
        chart,
        config.subgroup_mode,
        subgroup,
        nominal_n=config.subgroup_size,
        min_measurements=config.min_measurements,
        warn_below_count=config.warn_below_count,
    )
    last = window.last()
    x = _statistic(chart, checked)
    secondary = _secondary(chart, checked, last)
    limits = config.limits
    if limits is None:
        point = Point(
            value=x,
            n=checked.n,
            is_undersized=checked.is_undersized,
            mean=checked.mean,
            range=checked.range,
            std_dev=checked.std_dev,
            secondary_value=secondary,
        )
        return Evaluation(point, ())
    state: tuple[float, ...] = ()
    if chart in SMALL_SHIFT:
        value, at, secondary, state, z = _small_shift(config, limits, x, last)
    else:
        value, at, z = _shewhart(config, limits, x, checked.n)
    point = Point(
        value=value,
        n=checked.n,
        center_line=at.center_line,
        ucl=at.ucl,
        lcl=at.lcl,
        z=z,
        zone=classify(z),
        is_undersized=checked.is_undersized,
        mean=checked.mean,
        range=checked.range,
        std_dev=checked.std_dev,
        secondary_value=secondary,
        state=state,
    )
    series = window.z_tail()  # a new list: the new point's z joins it
    offset = window.total - len(series)
    series.append(z)
    signals = rules.latest(series, effective_ruleset(config), offset=offset)
    on_secondary = config.on_secondary
    if not on_secondary.specs or secondary is None:
        return Evaluation(point, tuple(signals))
    in_force = secondary_point_limits(limits, config.subgroup_mode, checked.n)
    if in_force is not None:
        tail2 = window.secondary_tail(on_secondary.max_length - 1)
        signals.extend(
            secondary_rule.latest(
                [*tail2, secondary],
                secondary_rule.at_width(in_force, limits.k),
                _rule_one_at(on_secondary, limits.k),
                window.total - len(tail2),
            )
        )
    return Evaluation(point, tuple(signals))
