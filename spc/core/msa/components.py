"""Variance components as a gauge R&R table: %Contribution, %Study var, %Tolerance, %Process.

Conventions (Minitab, "Methods and formulas for Gage R&R Study (Crossed)"; AIAG MSA 4th
ed., ch. III-B):

* %Contribution = 100 · σ²_source / σ²_total;
* Study var = k · σ_source with k = 6 by default (99.73 %), 5.15 (99 %, the AIAG 3rd
  edition habit) as an option;
* %Study var = 100 · σ_source / σ_total (the ratio of study variations);
* %Tolerance = 100 · k · σ_source / (USL − LSL), when a tolerance is given;
* %Process = 100 · σ_source / σ_process, when a historical process σ is given;
* number of distinct categories, as Minitab computes it: ``ndc = ⌊√2 · σ_part / σ_GRR⌋``,
  at least 1; ``None`` when σ_GRR is zero (the gauge is perfect within its resolution).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from spc.core.errors import InputError

#: The default study-variation multiplier (6σ, 99.73 %).
DEFAULT_MULTIPLIER = 6.0


@dataclass(frozen=True)
class Component:
    """One row of the gauge R&R table."""

    source: str
    variance: float
    std_dev: float
    study_var: float
    pct_contribution: float
    pct_study_var: float
    pct_tolerance: float | None
    pct_process: float | None


@dataclass(frozen=True)
class ComponentTable:
    """The rows (Total Gage R&R … Total variation) and the number of distinct categories."""

    rows: tuple[Component, ...]
    ndc: int | None
    multiplier: float

    def row(self, source: str) -> Component:
        """The row named ``source`` (``"Total Gage R&R"``, ``"Part-to-Part"``…)."""
        for row in self.rows:
            if row.source == source:
                return row
        raise KeyError(source)


def check_options(multiplier: float, tolerance: float | None, process_sigma: float | None) -> None:
    """Refuse a non-positive multiplier, tolerance or process σ."""
    if not (math.isfinite(multiplier) and multiplier > 0):
        raise InputError("study_multiplier", "The study multiplier must be positive (6 or 5.15).")
    if tolerance is not None and not (math.isfinite(tolerance) and tolerance > 0):
        raise InputError("tolerance", "The tolerance (USL − LSL) must be positive.")
    if process_sigma is not None and not (math.isfinite(process_sigma) and process_sigma > 0):
        raise InputError("process_sigma", "The process standard deviation must be positive.")


def distinct_categories(sigma_part: float, sigma_grr: float) -> int | None:
    """Minitab's ndc: ``⌊√2 · σ_part / σ_GRR⌋`` but at least 1; None if σ_GRR is 0."""
    if sigma_grr <= 0:
        return None
    return max(1, math.floor(math.sqrt(2.0) * sigma_part / sigma_grr + 1e-12))


def component_table(
    variances: list[tuple[str, float]],
    *,
    multiplier: float = DEFAULT_MULTIPLIER,
    tolerance: float | None = None,
    process_sigma: float | None = None,
) -> ComponentTable:
    """The table from ``[(source, variance), …]`` naming "Total Gage R&R" and "Part-to-Part".

    The total variance is Total Gage R&R + Part-to-Part; negative variances must already
    have been set to 0 by the caller.
    """
    check_options(multiplier, tolerance, process_sigma)
    named = dict(variances)
    total = named["Total Gage R&R"] + named["Part-to-Part"]
    if total <= 0:
        raise InputError("measurements", "The measurements show no variation at all.")
    rows = []
    for source, variance in [*variances, ("Total Variation", total)]:
        sd = math.sqrt(max(variance, 0.0))
        rows.append(
            Component(
                source=source,
                variance=variance,
                std_dev=sd,
                study_var=multiplier * sd,
                pct_contribution=100.0 * variance / total,
                pct_study_var=100.0 * sd / math.sqrt(total),
                pct_tolerance=None if tolerance is None else 100.0 * multiplier * sd / tolerance,
                pct_process=None if process_sigma is None else 100.0 * sd / process_sigma,
            )
        )
    ndc = distinct_categories(math.sqrt(named["Part-to-Part"]), math.sqrt(named["Total Gage R&R"]))
    return ComponentTable(rows=tuple(rows), ndc=ndc, multiplier=multiplier)
