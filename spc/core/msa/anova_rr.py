"""Crossed gauge R&R by two-way ANOVA with interaction (random parts and operators).

Model: ``y_ijk = μ + P_i + O_j + (PO)_ij + ε_ijk`` for p parts, o operators, r trials.
Sources: Montgomery, *Introduction to Statistical Quality Control*, 7th ed., §8.7.3
(ANOVA method, expected mean squares); Minitab, "Methods and formulas for Gage R&R Study
(Crossed)"; AIAG MSA 4th ed., Appendix A.

* With the interaction, parts and operators are tested against MS_PO (their expected
  mean squares contain σ²_PO), the interaction against MS_E.
* When the interaction's p-value exceeds ``alpha_to_remove`` (default 0.05, Minitab's
  default; AIAG uses 0.25 in places), it is pooled into repeatability:
  SS_E' = SS_PO + SS_E with df_PO + df_E, and parts and operators are tested against MS_E'.
* Variance components from the expected mean squares; a negative estimate is set to 0
  (Minitab's convention): σ²_E = MS_E, σ²_PO = (MS_PO − MS_E)/r,
  σ²_O = (MS_O − MS_PO)/(p·r), σ²_P = (MS_P − MS_PO)/(o·r) (MS_E' for MS_PO when pooled).
* Reproducibility = σ²_O + σ²_PO; Total Gage R&R = repeatability + reproducibility.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from spc.core.errors import InputError
from spc.core.msa.components import DEFAULT_MULTIPLIER, ComponentTable, component_table
from spc.core.msa.design import CrossedDesign


@dataclass(frozen=True)
class AnovaRow:
    """One row of an ANOVA table; ``f`` and ``p`` are None for the error and total rows."""

    source: str
    df: int
    ss: float
    ms: float | None
    f: float | None
    p: float | None


@dataclass(frozen=True)
class AnovaGaugeRR:
    """The full-model table, the final table (after pooling) and the R&R components."""

    full_table: tuple[AnovaRow, ...]
    table: tuple[AnovaRow, ...]
    interaction_p: float
    interaction_pooled: bool
    alpha_to_remove: float
    components: ComponentTable

    def row(self, source: str, *, full: bool = False) -> AnovaRow:
        """The ANOVA row named ``source`` of the final (or the full) table."""
        for row in self.full_table if full else self.table:
            if row.source == source:
                return row
        raise KeyError(source)


def _ratio(numerator: float, denominator: float, df1: int, df2: int) -> tuple[float, float]:
    """F and its upper-tail p-value; a zero denominator gives F = inf (p 0) or 0/0 (p 1)."""
    if denominator <= 0:
        return (float("inf"), 0.0) if numerator > 0 else (0.0, 1.0)
    f = numerator / denominator
    return f, float(stats.f.sf(f, df1, df2))


def anova_gauge_rr(
    design: CrossedDesign,
    *,
    alpha_to_remove: float = 0.05,
    multiplier: float = DEFAULT_MULTIPLIER,
    tolerance: float | None = None,
    process_sigma: float | None = None,
) -> AnovaGaugeRR:
    """Two-way ANOVA gauge R&R of a balanced crossed study."""
    if not 0 <= alpha_to_remove <= 1:
        raise InputError("alpha_to_remove", "alpha-to-remove must lie between 0 and 1.")
    y = design.cube
    p, o, r = y.shape
    grand = y.mean()
    part_means = y.mean(axis=(1, 2))
    op_means = y.mean(axis=(0, 2))
    cell_means = y.mean(axis=2)
    ss_part = o * r * float(((part_means - grand) ** 2).sum())
    ss_op = p * r * float(((op_means - grand) ** 2).sum())
    ss_cells = r * float(((cell_means - grand) ** 2).sum())
    ss_int = max(ss_cells - ss_part - ss_op, 0.0)
    ss_err = float(((y - cell_means[:, :, None]) ** 2).sum())
    ss_total = float(((y - grand) ** 2).sum())
    if ss_part <= 1e-12 * max(ss_total, 1e-300) or ss_total == 0:
        raise InputError(
            "measurements",
            "The parts show no part-to-part variation: choose parts that span the "
            "process range, otherwise %GRR and ndc mean nothing.",
        )
    df_part, df_op, df_int, df_err = p - 1, o - 1, (p - 1) * (o - 1), p * o * (r - 1)
    ms_part, ms_op, ms_int, ms_err = (
        ss_part / df_part,
        ss_op / df_op,
        ss_int / df_int,
        ss_err / df_err,
    )
    f_int, p_int = _ratio(ms_int, ms_err, df_int, df_err)
    f_part, p_part = _ratio(ms_part, ms_int, df_part, df_int)
    f_op, p_op = _ratio(ms_op, ms_int, df_op, df_int)
    full = (
        AnovaRow("Part", df_part, ss_part, ms_part, f_part, p_part),
        AnovaRow("Operator", df_op, ss_op, ms_op, f_op, p_op),
        AnovaRow("Part × Operator", df_int, ss_int, ms_int, f_int, p_int),
        AnovaRow("Repeatability", df_err, ss_err, ms_err, None, None),
        AnovaRow("Total", p * o * r - 1, ss_total, None, None, None),
    )
    pooled = p_int > alpha_to_remove
    table: tuple[AnovaRow, ...]
    if pooled:
        df_rep = df_int + df_err
        ms_rep = (ss_int + ss_err) / df_rep
        fp, pp = _ratio(ms_part, ms_rep, df_part, df_rep)
        fo, po = _ratio(ms_op, ms_rep, df_op, df_rep)
        table = (
            AnovaRow("Part", df_part, ss_part, ms_part, fp, pp),
            AnovaRow("Operator", df_op, ss_op, ms_op, fo, po),
            AnovaRow("Repeatability", df_rep, ss_int + ss_err, ms_rep, None, None),
            full[-1],
        )
        var_rep, var_int = ms_rep, 0.0
        var_op = max((ms_op - ms_rep) / (p * r), 0.0)
        var_part = max((ms_part - ms_rep) / (o * r), 0.0)
    else:
        table = full
        var_rep = ms_err
        var_int = max((ms_int - ms_err) / r, 0.0)
        var_op = max((ms_op - ms_int) / (p * r), 0.0)
        var_part = max((ms_part - ms_int) / (o * r), 0.0)
    variances = [
        ("Total Gage R&R", var_rep + var_op + var_int),
        ("Repeatability", var_rep),
        ("Reproducibility", var_op + var_int),
        ("Operator", var_op),
    ]
    if not pooled:
        variances.append(("Operator × Part", var_int))
    variances.append(("Part-to-Part", var_part))
    return AnovaGaugeRR(
        full_table=full,
        table=table,
        interaction_p=p_int,
        interaction_pooled=pooled,
        alpha_to_remove=alpha_to_remove,
        components=component_table(
            variances, multiplier=multiplier, tolerance=tolerance, process_sigma=process_sigma
        ),
    )


def operator_part_means(design: CrossedDesign) -> np.ndarray:
    """Cell means ``[part, operator]`` (for the interaction plot)."""
    return design.cube.mean(axis=2)
