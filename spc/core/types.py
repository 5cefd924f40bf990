"""Plain value types shared by every module of the pure SPC core.

Nothing here imports Django: the core takes plain numbers, tuples and these frozen
dataclasses, and returns frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from spc.core.frozen import quick_init


class ChartType(StrEnum):
    """Control chart types; values are the REST contract's names."""

    XBAR_R = "XBAR_R"
    XBAR_S = "XBAR_S"
    I_MR = "I_MR"
    P = "P"
    NP = "NP"
    C = "C"
    U = "U"
    EWMA = "EWMA"
    CUSUM = "CUSUM"
    P_LANEY = "P_LANEY"
    U_LANEY = "U_LANEY"
    DNOM = "DNOM"  # short run: deviation from each part's nominal (spc.core.shortrun)
    Z_MR = "Z_MR"  # short run: standardized individuals (x - T_part) / sigma_part

    @property
    def is_attribute(self) -> bool:
        """True for the count-based charts (p, np, c, u, and Laney's p′ and u′)."""
        return self in _ATTRIBUTE_CHARTS

    @property
    def is_laney(self) -> bool:
        """True for Laney's p′ and u′ charts (Laney 2002)."""
        return self in (ChartType.P_LANEY, ChartType.U_LANEY)

    @property
    def base(self) -> ChartType:
        """The classic chart a Laney chart adjusts (P for p′, U for u′); itself otherwise.

        A p′ (u′) chart takes the same input, plots the same statistic and has the same
        centre line as a p (u) chart; only its sigma carries Laney's sigma-Z.
        """
        if self == ChartType.P_LANEY:
            return ChartType.P
        if self == ChartType.U_LANEY:
            return ChartType.U
        return self

    @property
    def is_variable(self) -> bool:
        """True for charts that take measured values."""
        return not self.is_attribute


_ATTRIBUTE_CHARTS = frozenset(
    (
        ChartType.P,
        ChartType.NP,
        ChartType.C,
        ChartType.U,
        ChartType.P_LANEY,
        ChartType.U_LANEY,
    )
)
"""The count-based charts (``ChartType.is_attribute``): a set, read for every point."""


class SubgroupMode(StrEnum):
    """How a subgroup whose size differs from the nominal n is charted."""

    NOMINAL_TOLERANCE = "NOMINAL_TOLERANCE"
    VARIABLE_LIMITS = "VARIABLE_LIMITS"
    STANDARDIZED = "STANDARDIZED"


class VariableNMethod(StrEnum):
    """How X-bar charts estimate sigma and draw limits when subgroup sizes vary.

    UNBIASED: sigma = mean of s_i/c4(n_i) (R_i/d2(n_i) for X-bar R), limits
    CL +/- k sigma/sqrt(n_i). POOLED: sigma = the pooled standard deviation over
    c4(d) (``estimators.sigma_pooled``), same limits. MONTGOMERY (X-bar S only):
    s-bar = sqrt(sum (n_i - 1) s_i^2 / sum (n_i - 1)), limits x-double-bar +/- A3(n_i)
    s-bar and B3(n_i) s-bar .. B4(n_i) s-bar (Montgomery, Introduction to SQC, §6.3.2,
    Example 6.4).
    """

    UNBIASED = "UNBIASED"
    POOLED = "POOLED"
    MONTGOMERY = "MONTGOMERY"


DEFAULT_LIMIT_SIGMA = 3.0
"""The default limit width k: control limits at CL +/- 3 sigma of the statistic."""


class SampleSizeBasis(StrEnum):
    """The sample size an attribute chart's characteristic-level limits are stated at.

    NOMINAL: every baseline sample had the characteristic's nominal n. AVERAGE: the sample
    sizes varied (or differed from the nominal n), so the summary is at their average.
    Each point is still judged at its own sample size.
    """

    NOMINAL = "NOMINAL"
    AVERAGE = "AVERAGE"


class Severity(StrEnum):
    """How urgent a rule violation is, least urgent first.

    INFORMATIONAL is stored and shown (muted) but needs no acknowledgement: it is never
    counted as open, raises no toast, notification or escalation. ``rank`` orders them.
    """

    INFORMATIONAL = "INFORMATIONAL"
    WARNING = "WARNING"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        """0 for INFORMATIONAL, 1 for WARNING, 2 for CRITICAL."""
        return _SEVERITY_RANK[self]

    @property
    def needs_acknowledgement(self) -> bool:
        """False for INFORMATIONAL: such a violation is never open."""
        return self is not Severity.INFORMATIONAL


_SEVERITY_RANK = {Severity.INFORMATIONAL: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


class RuleId(IntEnum):
    """Nelson rules 1-8 (numbering of Nelson 1984, as in DESIGN.md)."""

    BEYOND_LIMITS = 1
    SAME_SIDE = 2
    TREND = 3
    ALTERNATING = 4
    TWO_OF_THREE_BEYOND_2 = 5
    FOUR_OF_FIVE_BEYOND_1 = 6
    WITHIN_1 = 7
    EIGHT_BEYOND_1_EITHER_SIDE = 8


SECONDARY_RULE_BASE = 100
"""A run rule k judged on the secondary pane (R, S or MR) is stored as rule ``100 + k``."""
SECONDARY_BEYOND_LIMITS = SECONDARY_RULE_BASE + RuleId.BEYOND_LIMITS
"""Rule id of a secondary-pane point (R, S or MR) beyond its limits: rule 1 applied to the
range or spread chart (101). Stored in ``Violation.rule`` beside the Nelson rules 1-8 and
drawn on the secondary pane, as are 102-108 (rules 2-8 on the secondary pane)."""
SECONDARY_RULE_IDS: frozenset[int] = frozenset(SECONDARY_RULE_BASE + r for r in RuleId)


def secondary_rule_id(rule: RuleId) -> int:
    """The stored id of run rule ``rule`` judged on the secondary pane (100 + rule)."""
    return SECONDARY_RULE_BASE + int(rule)


def is_secondary_rule(rule: object) -> bool:
    """True for a stored rule id of the secondary pane (101-108)."""
    return isinstance(rule, int) and rule in SECONDARY_RULE_IDS


def base_rule(rule: int) -> int:
    """The run rule (1-8) behind a stored rule id: 102 -> 2, 5 -> 5."""
    return rule - SECONDARY_RULE_BASE if rule in SECONDARY_RULE_IDS else rule


class Zone(StrEnum):
    """Zone of a point relative to the centre line, in sigma units of the plotted statistic.

    Boundaries are symmetric: a point exactly on a boundary belongs to the inner band, and a
    point exactly on the centre line is CENTER (neither side).
    """

    BEYOND_UCL = "beyond_ucl"
    A_UPPER = "zone_a_upper"
    B_UPPER = "zone_b_upper"
    C_UPPER = "zone_c_upper"
    CENTER = "center"
    C_LOWER = "zone_c_lower"
    B_LOWER = "zone_b_lower"
    A_LOWER = "zone_a_lower"
    BEYOND_LCL = "beyond_lcl"


@dataclass(frozen=True, slots=True)
class PartStandard:
    """A part number's nominal (target) and, optionally, its known sigma (short-run charts)."""

    target: float
    sigma: float | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class Subgroup:
    """One subgroup as it arrives from any provider.

    Variables charts use ``measurements``. Attribute charts use ``count`` (defectives for
    P/NP, defects for C/U) with ``sample_size`` (items inspected for P/NP, inspection units
    for U; C ignores it). ``part`` is the standard of the subgroup's part number, read only
    by the short-run charts (DNOM, Z-MR), which chart the measurements relative to it.
    """

    measurements: tuple[float, ...] = ()
    count: float | None = None
    sample_size: float | None = None
    part: PartStandard | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class ChartLimits:
    """Centre line and control limits of one chart."""

    center_line: float
    ucl: float
    lcl: float


@dataclass(frozen=True, slots=True)
class ControlLimits:
    """Limits of a characteristic's chart pair.

    ``center_line``/``ucl``/``lcl`` are for the plotted statistic at ``subgroup_size``,
    or for p, np and u charts at ``summary_n`` when it is set (the average sample size of
    a baseline whose sizes were not all the nominal n; an np chart's centre line is then
    p-bar times it). ``sigma`` is the sigma of one observation: the process sigma estimate
    for variables charts (R-bar/d2, S-bar/c4, MR-bar/d2(2)); sqrt(p-bar(1-p-bar)) for P and
    NP; sqrt(c-bar) for C; sqrt(u-bar) for U; sqrt(p-bar(1-p-bar)) sigma_Z for p′ and
    sqrt(u-bar) sigma_Z for u′. ``secondary`` holds the R, S or MR chart. ``k`` is the limit
    width (limits at CL +/- k sigma of the statistic), ``variable_n`` the X-bar charts'
    method for varying subgroup sizes, ``sigma_z`` Laney's sigma-Z (p′ and u′ only).
    """

    chart_type: ChartType
    center_line: float
    ucl: float
    lcl: float
    sigma: float
    subgroup_size: int
    secondary: ChartLimits | None = None
    summary_n: float | None = None
    k: float = DEFAULT_LIMIT_SIGMA
    variable_n: VariableNMethod = VariableNMethod.UNBIASED
    sigma_z: float | None = None

    @property
    def summary_size(self) -> float:
        """The sample size ``center_line``/``ucl``/``lcl`` are stated at."""
        return self.summary_n if self.summary_n is not None else float(self.subgroup_size)


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One enabled run rule with its parameters.

    ``count`` points out of ``length`` consecutive points must meet the rule's condition;
    ``sigma`` is the zone multiple the rule tests against (3 for rule 1, 2 for rule 5,
    1 for rules 6-8, unused by 2-4).
    """

    rule: RuleId
    severity: Severity
    length: int
    count: int
    sigma: float


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The enabled rules of a characteristic, at most one spec per rule id.

    ``max_length`` (derived, not an argument) is the longest rule's length: how many
    newest points a check of the latest point reads.
    """

    specs: tuple[RuleSpec, ...]
    max_length: int = field(init=False, compare=False, repr=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "max_length", max((spec.length for spec in self.specs), default=0))


@quick_init
@dataclass(frozen=True, slots=True)
class Signal:
    """A rule completed by a point.

    ``index`` is the completing point's index in the evaluated series; ``involved`` are the
    indices of the points forming the pattern (``index`` included). ``rule`` is a
    ``RuleId`` (1-8, the primary chart) or ``100 + k`` (rule k on the secondary pane;
    ``SECONDARY_BEYOND_LIMITS`` = 101).
    """

    index: int
    rule: int
    severity: Severity
    involved: tuple[int, ...]


@quick_init
@dataclass(frozen=True, slots=True)
class Point:
    """A processed subgroup as charted.

    ``value`` is the plotted statistic (x-bar, x, p, np, c, u, EWMA statistic, or CUSUM C+);
    ``center_line``/``ucl``/``lcl`` are the limits in force for this point (per-point for
    VARIABLE_LIMITS and for p/u with varying sample size; +/-3 around 0 for STANDARDIZED);
    ``z`` is the statistic in sigma units of itself and is what the run rules read. All of
    limits, ``z`` and ``zone`` are None in Phase I (no limits yet). ``secondary_value`` is
    the R, S or MR value; ``state`` carries chart memory (EWMA: (z_i,), CUSUM: (C+, C-)).
    """

    value: float
    n: float
    center_line: float | None = None
    ucl: float | None = None
    lcl: float | None = None
    z: float | None = None
    zone: Zone | None = None
    is_undersized: bool = False
    mean: float | None = None
    range: float | None = None
    std_dev: float | None = None
    secondary_value: float | None = None
    state: tuple[float, ...] = ()
