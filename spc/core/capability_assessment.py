"""The honest verdict of a capability study: indices mean something only for a process in
statistical control whose data fit the normal model the indices assume.

Pure Python; no Django. The Django layer counts the open violations and the points beyond
the control limits in the study range (:class:`Stability`) and calls :func:`assess` with
the core's :class:`~spc.core.capability.Capability`.

Order of the checks (the first that applies names the verdict; every one that applies is
listed in ``warnings``):

1. not in statistical control — open violations or points beyond the control limits in
   the study range (Montgomery, *ISQC* 6th ed., §8.2: "a process capability analysis
   should only be performed on a process in statistical control"; AIAG SPC manual,
   2nd ed., ch. IV): "Indices not meaningful: process not in statistical control";
2. not normal — Anderson–Darling p < 0.05 (the Cp/Cpk/PPM relations assume a normal
   distribution): "Indices not reliable: data not normal";
3. fewer than 30 values: "insufficient data";
4. otherwise what the index says: capable (≥ 1.33), marginal (≥ 1.0), not capable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np

from spc.core.capability import (
    CAPABLE,
    CAPABLE_CPK,
    INSUFFICIENT_DATA,
    MARGINAL,
    MARGINAL_CPK,
    MIN_NORMALITY_N,
    MIN_VERDICT_N,
    NOT_CAPABLE,
    Capability,
)
from spc.core.errors import InputError
from spc.core.estimators import (
    sigma_from_moving_ranges,
    sigma_from_subgroup_ranges,
    sigma_from_subgroup_stddevs,
    sigma_pooled,
)
from spc.core.types import ChartType

MOVING_RANGE = "MR̄/d₂(2)"
NOT_IN_CONTROL = "not in control"
NOT_NORMAL = "not normal"
#: Significance level of the normality check.
NORMALITY_ALPHA = 0.05

HEADLINES = {
    NOT_IN_CONTROL: "Indices not meaningful: process not in statistical control",
    NOT_NORMAL: "Indices not reliable: data not normal",
}


@dataclass(frozen=True, slots=True)
class Stability:
    """What the control chart says about the study range.

    ``open_violations``: unacknowledged rule violations on the study's included samples;
    ``beyond_limits``: included points strictly beyond the control limits in force when
    they were charted (a point exactly on a limit is not beyond it); ``judged``: included
    points that had control limits (0: no limits yet, so stability cannot be judged);
    ``points``: included points in the study.
    """

    open_violations: int
    beyond_limits: int
    judged: int
    points: int

    @property
    def in_control(self) -> bool | None:
        """False with any open violation or point beyond; None when nothing was judged."""
        if self.open_violations or self.beyond_limits:
            return False
        return True if self.judged else None


@dataclass(frozen=True, slots=True)
class Assessment:
    """The verdict a person reads beside the indices.

    ``verdict`` is "not in control", "not normal", "insufficient data", "capable",
    "marginal" or "not capable"; ``index_verdict`` what the index alone says;
    ``headline`` the sentence shown (e.g. "Capable (Cpk 1.72 ≥ 1.33)"); ``warnings``
    every reason to read the indices with care, one sentence each.
    """

    verdict: str
    index_verdict: str
    headline: str
    warnings: tuple[str, ...]
    in_control: bool | None
    normal: bool | None


def sample_size_warnings(n: int) -> list[str]:
    """The warning for a study of ``n`` values too few for a verdict (none otherwise)."""
    if n < MIN_VERDICT_N:
        return [f"Only {n} values: at least {MIN_VERDICT_N} are needed for a verdict."]
    return []


def assess(result: Capability, stability: Stability | None) -> Assessment:
    """Weigh stability and normality before the index; see the module docstring."""
    in_control = stability.in_control if stability is not None else None
    normal = result.normality.is_normal if result.normality is not None else None
    warnings = [*stability_warnings(stability), *normality_warnings(result)]
    if in_control is False:
        verdict = NOT_IN_CONTROL
    elif normal is False:
        verdict = NOT_NORMAL
    else:
        verdict = result.verdict
    warnings.extend(sample_size_warnings(result.n))
    return Assessment(
        verdict=verdict,
        index_verdict=result.verdict,
        headline=_headline(verdict, result),
        warnings=tuple(warnings),
        in_control=in_control,
        normal=normal,
    )


def within_estimator(chart_type: ChartType | str, subgroup_size: int) -> str:
    """The name of the chart's within-subgroup sigma estimator, as printed beside σ within.

    The same choice as :func:`spc.core.limits.compute_limits`: MR̄/d₂(2) for I-MR and for
    subgroups of one, S̄/c₄ for X̄-S, the pooled standard deviation for EWMA and CUSUM
    with n > 1, R̄/d₂ otherwise.
    """
    kind = ChartType(chart_type)
    if subgroup_size == 1 or kind == ChartType.I_MR:
        return MOVING_RANGE
    if kind == ChartType.XBAR_S:
        return "S̄/c₄"
    if kind in (ChartType.EWMA, ChartType.CUSUM):
        return "pooled s/c₄"
    return "R̄/d₂"


def within_sigma(
    chart_type: ChartType | str,
    subgroup_size: int,
    groups: Sequence[Sequence[float]] | np.ndarray,
) -> float:
    """σ within of subgroups in processing order with the chart's estimator (see
    :func:`within_estimator`; the estimators of :mod:`spc.core.estimators`, as a limit
    calculation uses them). ``groups`` may be a 2-D array when every subgroup has the
    same size, which keeps a large study in one block of memory.

    Raises ``InputError`` for fewer than 2 subgroups and ``ZeroSpreadError`` when they
    show no spread.
    """
    if len(groups) < 2:
        raise InputError("non_field_errors", "At least 2 subgroups are needed for σ within.")
    name = within_estimator(chart_type, subgroup_size)
    if name == MOVING_RANGE:
        firsts = [g[0] for g in groups] if not isinstance(groups, np.ndarray) else groups[:, 0]
        return sigma_from_moving_ranges(np.asarray(firsts, dtype=float))
    rows = cast(Sequence[Sequence[float]], groups)  # a 2-D array iterates as its rows
    if name == "S̄/c₄":
        return sigma_from_subgroup_stddevs(rows)
    if name == "pooled s/c₄":
        return sigma_pooled(rows)
    return sigma_from_subgroup_ranges(rows)


def format_p(p_value: float) -> str:
    """A p-value as printed: "p < 0.001" below a thousandth, else "p = 0.123"."""
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"


def _headline(verdict: str, result: Capability) -> str:
    if verdict in HEADLINES:
        headline = HEADLINES[verdict]
        if verdict == NOT_NORMAL and result.normality is not None:
            headline += f" (Anderson–Darling {format_p(result.normality.p_value)})"
        return headline
    if verdict == INSUFFICIENT_DATA:
        return f"Insufficient data: {result.n} values, at least {MIN_VERDICT_N} needed"
    index = result.cpk if result.verdict_basis == "Cpk" else result.ppk
    assert index is not None  # the verdict is insufficient data without an index
    side = ", one-sided" if result.one_sided else ""
    name = f"{result.verdict_basis} {index:.2f}{side}"
    if verdict == CAPABLE:
        return f"Capable ({name} ≥ {CAPABLE_CPK:.2f})"
    if verdict == MARGINAL:
        return f"Marginal ({name}, between {MARGINAL_CPK:.2f} and {CAPABLE_CPK:.2f})"
    assert verdict == NOT_CAPABLE
    return f"Not capable ({name} < {MARGINAL_CPK:.2f})"


def stability_warnings(stability: Stability | None) -> list[str]:
    """The reasons for care that the control chart gives, one sentence each."""
    if stability is None:
        return []
    warnings = []
    if stability.open_violations:
        warnings.append(
            f"{_count(stability.open_violations, 'open violation')} in the study range."
        )
    if stability.beyond_limits:
        warnings.append(
            f"{_count(stability.beyond_limits, 'point')} beyond the control limits in the "
            "study range."
        )
    if not stability.judged:
        warnings.append("No control limits in the study range: stability not assessed.")
    elif stability.judged < stability.points:
        warnings.append(
            f"{_count(stability.points - stability.judged, 'point')} charted before the "
            "first control limits: their stability not assessed."
        )
    return warnings


def normality_warnings(result: Capability) -> list[str]:
    """The reasons for care that the normality test gives (none when it passes)."""
    if result.normality is None:
        return [f"Normality not tested: fewer than {MIN_NORMALITY_N} values."]
    if result.normality.is_normal:
        return []
    return [
        f"Data not normal: Anderson–Darling A² = {result.normality.statistic:.3f}, "
        f"{format_p(result.normality.p_value)} < {NORMALITY_ALPHA}. The indices and the "
        "expected PPM assume a normal distribution and may mislead; choose a distribution "
        "or transformation that fits (the fit table) for percentile-based indices."
    ]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
