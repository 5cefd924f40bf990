"""Nested gauge R&R for destructive tests: each part is measured by one operator only.

Model: ``y_ijk = μ + O_j + P_i(j) + ε_ijk`` for o operators, p parts per operator and r
trials (the "parts" of one operator are usually homogeneous sub-samples of a batch).
Source: Minitab, "Methods and formulas for Gage R&R Study (Nested)"; Montgomery,
*Design and Analysis of Experiments*, ch. 14 (two-stage nested design, random factors).

* SS_O = p·r·Σ(ȳ_j − ȳ)², SS_P(O) = r·ΣΣ(ȳ_ij − ȳ_j)², SS_E = ΣΣΣ(y − ȳ_ij)²;
* F_O = MS_O / MS_P(O), F_P(O) = MS_P(O) / MS_E;
* σ²_E = MS_E (repeatability), σ²_O = (MS_O − MS_P(O))/(p·r) (reproducibility),
  σ²_P = (MS_P(O) − MS_E)/r (part-to-part); negative estimates are set to 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spc.core.errors import InputError
from spc.core.msa.anova_rr import AnovaRow, _ratio
from spc.core.msa.components import DEFAULT_MULTIPLIER, ComponentTable, component_table
from spc.core.msa.design import NestedDesign


@dataclass(frozen=True)
class NestedGaugeRR:
    """The nested ANOVA table and the R&R components."""

    table: tuple[AnovaRow, ...]
    components: ComponentTable


def nested_gauge_rr(
    design: NestedDesign,
    *,
    multiplier: float = DEFAULT_MULTIPLIER,
    tolerance: float | None = None,
    process_sigma: float | None = None,
) -> NestedGaugeRR:
    """Nested gauge R&R of a balanced destructive study."""
    y = np.stack(design.tables)  # [operator, part, trial]
    o, p, r = y.shape
    grand = y.mean()
    op_means = y.mean(axis=(1, 2))
    cell_means = y.mean(axis=2)
    ss_op = p * r * float(((op_means - grand) ** 2).sum())
    ss_part = r * float(((cell_means - op_means[:, None]) ** 2).sum())
    ss_err = float(((y - cell_means[:, :, None]) ** 2).sum())
    ss_total = float(((y - grand) ** 2).sum())
    if ss_part <= 1e-12 * max(ss_total, 1e-300) or ss_total == 0:
        raise InputError("measurements", "The parts show no part-to-part variation.")
    df_op, df_part, df_err = o - 1, o * (p - 1), o * p * (r - 1)
    ms_op, ms_part, ms_err = ss_op / df_op, ss_part / df_part, ss_err / df_err
    f_op, p_op = _ratio(ms_op, ms_part, df_op, df_part)
    f_part, p_part = _ratio(ms_part, ms_err, df_part, df_err)
    table = (
        AnovaRow("Operator", df_op, ss_op, ms_op, f_op, p_op),
        AnovaRow("Part (Operator)", df_part, ss_part, ms_part, f_part, p_part),
        AnovaRow("Repeatability", df_err, ss_err, ms_err, None, None),
        AnovaRow("Total", o * p * r - 1, ss_total, None, None, None),
    )
    var_rep = ms_err
    var_op = max((ms_op - ms_part) / (p * r), 0.0)
    var_part = max((ms_part - ms_err) / r, 0.0)
    variances = [
        ("Total Gage R&R", var_rep + var_op),
        ("Repeatability", var_rep),
        ("Reproducibility", var_op),
        ("Part-to-Part", var_part),
    ]
    return NestedGaugeRR(
        table=table,
        components=component_table(
            variances, multiplier=multiplier, tolerance=tolerance, process_sigma=process_sigma
        ),
    )
