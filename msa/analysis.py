"""Turn a study's stored rows into the core's input, run the method, store the verdict.

The one place that calls ``spc.core.msa``; views, API and reports read :func:`analyse`'s
plain-dict result. Bad input surfaces as :class:`spc.core.errors.InputError` (a 400 or a
form message), and nothing is stored unless the analysis succeeded, so no NaN is kept.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from django.utils import timezone

from msa.models import CrossedMethod, GaugeStudy, MsaThresholds, StudyKind
from spc.core.errors import InputError
from spc.core.msa.anova_rr import anova_gauge_rr
from spc.core.msa.attribute import attribute_agreement
from spc.core.msa.average_range import average_range
from spc.core.msa.components import ComponentTable
from spc.core.msa.design import crossed_design, nested_design
from spc.core.msa.linearity import linearity_study
from spc.core.msa.nested_rr import nested_gauge_rr
from spc.core.msa.type1 import type1_study
from spc.core.msa.verdict import judge, judge_attribute, judge_type1


def _clean(value: Any) -> Any:
    """JSON-safe copy: infinities and NaN become None, tuples lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _rows(study: GaugeStudy) -> list[tuple[int, str, float]]:
    return [
        (m.part, m.operator, m.value)
        for m in study.measurements.all()
        if m.value is not None and m.operator in study.operators
    ]


def _table(components: ComponentTable) -> list[dict[str, Any]]:
    return [asdict(row) for row in components.rows]


def _grr(study: GaugeStudy, components: ComponentTable) -> tuple[float, int | None]:
    row = components.row("Total Gage R&R")
    pct = row.pct_tolerance if row.pct_tolerance is not None else row.pct_study_var
    return pct, components.ndc


def _crossed(study: GaugeStudy) -> dict[str, Any]:
    design = crossed_design(_rows(study))
    if study.method == CrossedMethod.AVERAGE_RANGE:
        ar = average_range(design, tolerance=study.tolerance, process_sigma=study.process_sigma)
        pct = ar.pct_tolerance_grr if ar.pct_tolerance_grr is not None else ar.pct_grr
        result: dict[str, Any] = {"average_range": asdict(ar), "pct_grr": pct, "ndc": ar.ndc}
    else:
        anova = anova_gauge_rr(
            design,
            alpha_to_remove=study.alpha_to_remove,
            multiplier=study.study_multiplier,
            tolerance=study.tolerance,
            process_sigma=study.process_sigma,
        )
        pct, ndc = _grr(study, anova.components)
        result = {
            "anova_full": [asdict(r) for r in anova.full_table],
            "anova": [asdict(r) for r in anova.table],
            "interaction_p": anova.interaction_p,
            "interaction_pooled": anova.interaction_pooled,
            "components": _table(anova.components),
            "pct_grr": pct,
            "ndc": ndc,
        }
    result["cube"] = design.cube.tolist()
    result["parts"] = list(design.parts)
    result["operators"] = list(design.operators)
    return result


def _nested(study: GaugeStudy) -> dict[str, Any]:
    nested = nested_gauge_rr(
        nested_design(_rows(study)),
        multiplier=study.study_multiplier,
        tolerance=study.tolerance,
        process_sigma=study.process_sigma,
    )
    pct, ndc = _grr(study, nested.components)
    return {
        "anova": [asdict(r) for r in nested.table],
        "components": _table(nested.components),
        "pct_grr": pct,
        "ndc": ndc,
    }


def _type1(study: GaugeStudy) -> dict[str, Any]:
    readings = [m.value for m in study.measurements.order_by("trial", "pk") if m.value is not None]
    t1 = type1_study(
        readings,
        reference=study.reference,
        tolerance=study.tolerance,
        k_percent=study.k_percent,
        l_multiplier=study.l_multiplier,
    )
    return {"type1": asdict(t1), "readings": readings, "judgement": judge_type1(t1.cg, t1.cgk)}


def _linearity(study: GaugeStudy) -> dict[str, Any]:
    readings: dict[float, list[float]] = {}
    for m in study.measurements.order_by("part", "trial"):
        ref = study.part_references.get(str(m.part))
        if ref is None:
            raise InputError("part_references", f"Part {m.part} has no reference value.")
        if m.value is not None:
            readings.setdefault(float(ref), []).append(m.value)
    pv = None if study.process_sigma is None else study.study_multiplier * study.process_sigma
    return {"linearity": asdict(linearity_study(readings, process_variation=pv))}


def _attribute(study: GaugeStudy) -> dict[str, Any]:
    ratings: dict[str, dict[int, list[str]]] = {op: {} for op in study.operators}
    for m in study.measurements.order_by("trial"):
        if m.operator in ratings and m.rating:
            ratings[m.operator].setdefault(m.part, []).append(m.rating)
    for op, by_part in ratings.items():
        missing = [p for p in range(1, study.parts + 1) if p not in by_part]
        if missing:
            raise InputError("measurements", f"Operator {op} has not rated part(s) {missing}.")
    standard = {int(k): str(v) for k, v in study.standard.items()} or None
    agreement = attribute_agreement(ratings, standard)
    result: dict[str, Any] = {"attribute": asdict(agreement)}
    if agreement.all_vs_standard is not None:
        result["judgement"] = judge_attribute(
            agreement.all_vs_standard.percent, agreement.all_vs_standard.kappa
        )
    return result


_METHODS = {
    StudyKind.CROSSED: _crossed,
    StudyKind.NESTED: _nested,
    StudyKind.TYPE1: _type1,
    StudyKind.LINEARITY: _linearity,
    StudyKind.ATTRIBUTE: _attribute,
}


def analyse(study: GaugeStudy) -> dict[str, Any]:
    """The study's results as plain JSON-safe data, with ``verdict`` and ``reasons``.

    Raises ``InputError`` when the entered data cannot be analysed (missing cells, a
    single operator, no part variation, a missing reference…).
    """
    result = _METHODS[StudyKind(study.kind)](study)
    judgement = result.pop("judgement", None)
    if judgement is None and "pct_grr" in result:
        thresholds = MsaThresholds.for_node(study.gauge.site)
        judgement = judge(result["pct_grr"], result["ndc"], thresholds)
    if judgement is not None:
        result["verdict"] = judgement.verdict.value
        result["reasons"] = list(judgement.reasons)
    else:
        result["verdict"], result["reasons"] = "", []
    return _clean(result)


def complete(study: GaugeStudy) -> dict[str, Any]:
    """Analyse and store the verdict, %GRR and ndc on the study (audited as a change)."""
    result = analyse(study)
    study.verdict = result["verdict"]
    study.pct_grr = result.get("pct_grr")
    study.ndc = result.get("ndc")
    study.summary = {"verdict": study.verdict, "reasons": result["reasons"]}
    study.completed_at = timezone.now()
    study.save(update_fields=["verdict", "pct_grr", "ndc", "summary", "completed_at"])
    return result


def progress(study: GaugeStudy) -> tuple[int, int]:
    """Readings entered and expected (parts × operators × trials; Type 1: trials)."""
    expected = study.parts * max(len(study.operators), 1) * study.trials
    if study.kind == StudyKind.TYPE1:
        expected = study.trials
    return study.measurements.count(), expected
