"""Plain value types shared by every module of the pure SPC core.

Nothing here imports Django: the core takes plain numbers, tuples and these frozen
dataclasses, and returns frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum


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

    @property
    def is_attribute(self) -> bool:
        """True for the count-based charts (p, np, c, u)."""
        return self in (ChartType.P, ChartType.NP, ChartType.C, ChartType.U)

    @property
    def is_variable(self) -> bool:
        """True for charts that take measured values."""
        return not self.is_attribute


class SubgroupMode(StrEnum):
    """How a subgroup whose size differs from the nominal n is charted."""

    NOMINAL_TOLERANCE = "NOMINAL_TOLERANCE"
    VARIABLE_LIMITS = "VARIABLE_LIMITS"
    STANDARDIZED = "STANDARDIZED"


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
class Subgroup:
    """One subgroup as it arrives from any provider.

    Variables charts use ``measurements``. Attribute charts use ``count`` (defectives for
    P/NP, defects for C/U) with ``sample_size`` (items inspected for P/NP, inspection units
    for U; C ignores it).
    """

    measurements: tuple[float, ...] = ()
    count: float | None = None
    sample_size: float | None = None


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
    NP; sqrt(c-bar) for C; sqrt(u-bar) for U. ``secondary`` holds the R, S or MR chart.
    """

    chart_type: ChartType
    center_line: float
    ucl: float
    lcl: float
    sigma: float
    subgroup_size: int
    secondary: ChartLimits | None = None
    summary_n: float | None = None

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
