"""Simulated processes of the demo plant: in control, now and then a special cause.

Pure (numpy only, no Django): ``spc.demo_history`` seeds each characteristic's history with
these models and ``ingest.simulator`` feeds the live demo with them.

In control, a model is stationary and independent from subgroup to subgroup: variables
draw ``n`` normal values around ``centre`` with the individual values' ``sigma``; p and np
charts draw binomial counts of defectives at the rate ``rate``; c and u charts draw Poisson
counts at ``rate`` defects per inspection unit. Its points then trip the run rules only as
often as theory says for that distribution (see ``spc.demo_history`` for the figures).

A special cause moves the plotted statistic by a number of *its own* sigmas (sigma/sqrt(n)
for an x-bar, the binomial or Poisson sigma for a count), so a 2 sigma shift looks alike on
every chart: a sustained shift, a linear trend up to its size (then a reset, as after a
tool change), or a one-subgroup outlier. When it ends the process returns to normal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

ATTRIBUTE = frozenset({"P", "NP", "C", "U", "P_LANEY", "U_LANEY"})
BINOMIAL = frozenset({"P", "NP", "P_LANEY"})


class CauseKind(StrEnum):
    """The special causes a demo process can suffer."""

    SHIFT = "shift"
    TREND = "trend"
    OUTLIER = "outlier"


@dataclass(frozen=True)
class SpecialCause:
    """A disturbance of the process mean, in sigmas of the plotted statistic.

    ``size`` is signed: the offset of a shift or outlier, the final offset of a trend (which
    grows linearly over ``length`` subgroups). An outlier lasts one subgroup.
    """

    kind: CauseKind
    size: float
    length: int

    def offset(self, step: int) -> float:
        """The offset at ``step`` (0-based) of the cause, in sigmas of the statistic."""
        if self.kind == CauseKind.TREND:
            return self.size * (step + 1) / self.length
        return self.size

    def describe(self) -> str:
        """Plain words for an acknowledgement comment, e.g. 'mean shift of +2.1σ'."""
        if self.kind == CauseKind.OUTLIER:
            return f"one outlier at {self.size:+.1f}σ"
        if self.kind == CauseKind.TREND:
            return f"trend to {self.size:+.1f}σ over {self.length} subgroups"
        return f"mean shift of {self.size:+.1f}σ for {self.length} subgroups"


def random_cause(rng: np.random.Generator) -> SpecialCause:
    """A realistic special cause: a shift of 1.5-2.5σ for 20-50 subgroups (half of them),
    a trend to 2-3σ over 20-40 subgroups, or a single outlier at 4-5σ."""
    sign = 1.0 if rng.random() < 0.5 else -1.0
    pick = rng.random()
    if pick < 0.5:
        return SpecialCause(
            CauseKind.SHIFT, sign * rng.uniform(1.5, 2.5), int(rng.integers(20, 51))
        )
    if pick < 0.75:
        return SpecialCause(
            CauseKind.TREND, sign * rng.uniform(2.0, 3.0), int(rng.integers(20, 41))
        )
    return SpecialCause(CauseKind.OUTLIER, sign * rng.uniform(4.0, 5.0), 1)


def resolution_for(sigma: float) -> float:
    """A gauge resolution of sigma/20 or finer (a power of ten), so that rounding never
    collapses moving ranges or ranges to zero often enough to matter."""
    if not sigma > 0:
        return 1e-6
    return 10.0 ** math.floor(math.log10(sigma / 20))


def decimals_for(sigma: float) -> int:
    """Decimal places of ``resolution_for(sigma)``."""
    return max(0, -round(math.log10(resolution_for(sigma))))


@dataclass(frozen=True)
class Draw:
    """One simulated subgroup in plain values, and the special cause behind it, if any."""

    measurements: tuple[float, ...] = ()
    count: float | None = None
    sample_size: float | None = None
    cause: SpecialCause | None = None


@dataclass
class ProcessModel:
    """One characteristic's process.

    ``centre`` and ``sigma``: mean and standard deviation of the individual values
    (variables charts). ``rate``: defectives per item (p, np) or defects per inspection
    unit (c, u). ``sample_size``: items (p, np) or units (u) per sample; 1 for c.
    ``event_rate``: chance per subgroup that a random special cause starts (0: none).
    ``short_rate``: chance that a subgroup misses one measurement (for characteristics whose
    subgroup mode handles a varying n); never below ``min_measurements``.
    """

    characteristic_id: int
    chart_type: str
    subgroup_size: int = 1
    centre: float = 0.0
    sigma: float = 1.0
    rate: float = 0.0
    sample_size: float = 1.0
    event_rate: float = 0.0
    short_rate: float = 0.0
    min_measurements: int = 1
    rng: np.random.Generator = field(default_factory=np.random.default_rng)
    cause: SpecialCause | None = None
    step: int = 0
    pending: list[tuple[int, SpecialCause]] = field(default_factory=list)
    subgroups: int = 0

    @property
    def attribute(self) -> bool:
        """True for p, np, c and u charts."""
        return self.chart_type in ATTRIBUTE

    @property
    def decimals(self) -> int:
        """Decimal places the simulated gauge reports."""
        return decimals_for(self.sigma)

    def schedule(self, cause: SpecialCause, after: int = 0) -> None:
        """Start ``cause`` on the subgroup drawn after ``after`` more subgroups (0: the next)."""
        self.pending.append((self.subgroups + after, cause))

    def _advance(self) -> SpecialCause | None:
        """The cause acting on the subgroup about to be drawn, and its offset step."""
        if self.cause is not None and self.step >= self.cause.length:
            self.cause, self.step = None, 0
        due = [item for item in self.pending if item[0] <= self.subgroups]
        if self.cause is None and due:
            self.pending.remove(due[0])
            self.cause, self.step = due[0][1], 0
        elif self.cause is None and self.event_rate > 0 and self.rng.random() < self.event_rate:
            self.cause, self.step = random_cause(self.rng), 0
        return self.cause

    def next(self) -> Draw:
        """The next subgroup: measurements, or a count with its sample size."""
        cause = self._advance()
        offset = cause.offset(self.step) if cause is not None else 0.0
        if cause is not None:
            self.step += 1
        self.subgroups += 1
        if self.attribute:
            count, size = self._count(offset)
            return Draw(count=float(count), sample_size=size, cause=cause)
        n = max(1, self.subgroup_size)
        if n > max(1, self.min_measurements) and self.rng.random() < self.short_rate:
            n -= 1
        mean = self.centre + offset * self.sigma / math.sqrt(max(1, self.subgroup_size))
        values = self.rng.normal(mean, self.sigma, n)
        return Draw(measurements=tuple(round(float(v), self.decimals) for v in values), cause=cause)

    def _count(self, offset: float) -> tuple[int, float | None]:
        """(count, sample size) at the rate moved by ``offset`` sigmas of the statistic."""
        size = self.sample_size
        if self.chart_type in BINOMIAL:
            items = int(size)
            p = self.rate + offset * math.sqrt(self.rate * (1 - self.rate) / items)
            return int(self.rng.binomial(items, min(max(p, 0.0), 1.0))), float(items)
        per_unit = self.chart_type in ("U", "U_LANEY")
        units = size if per_unit else 1.0
        mean = self.rate * units + offset * math.sqrt(self.rate * units)
        return int(self.rng.poisson(max(mean, 0.0))), (size if per_unit else None)
