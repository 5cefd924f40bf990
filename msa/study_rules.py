"""What a study plan must satisfy before anyone measures, shared by the form and the API.

A crossed or nested study needs at least 2 operators and 2 trials (a single operator can
only show repeatability: use a Type 1 study); a Type 1 study a reference value and a
tolerance; a linearity study a reference for every part; an attribute study 2 trials.
"""

from __future__ import annotations

import math
from typing import Any

from msa.models import StudyKind


def _positive(value: Any) -> bool:
    return value is not None and math.isfinite(float(value)) and float(value) > 0


def check_study(plan: dict[str, Any]) -> dict[str, str]:
    """``{field: message}`` for every broken rule of ``plan`` (empty when fine)."""
    errors: dict[str, str] = {}
    kind = plan.get("kind", StudyKind.CROSSED)
    operators = plan.get("operators") or []
    parts = int(plan.get("parts") or 0)
    trials = int(plan.get("trials") or 0)
    if not isinstance(operators, list) or not all(isinstance(o, str) and o for o in operators):
        errors["operators"] = "Operators are a list of names."
    elif len(set(operators)) != len(operators):
        errors["operators"] = "Operator names must differ."
    elif kind in (StudyKind.CROSSED, StudyKind.NESTED, StudyKind.ATTRIBUTE) and len(operators) < 2:
        errors["operators"] = "This study needs at least 2 operators (one operator: Type 1)."
    if kind == StudyKind.TYPE1:
        if plan.get("reference") is None:
            errors["reference"] = "A Type 1 study needs the reference part's value."
        if not _positive(plan.get("tolerance")):
            errors["tolerance"] = "A Type 1 study needs a positive tolerance."
        if trials < 10:
            errors["trials"] = "A Type 1 study needs at least 10 readings."
    elif trials < 2:
        errors["trials"] = "Each part must be measured at least twice."
    if kind in (StudyKind.CROSSED, StudyKind.NESTED, StudyKind.LINEARITY) and parts < 2:
        errors["parts"] = "The study needs at least 2 parts."
    if kind == StudyKind.LINEARITY:
        refs = plan.get("part_references") or {}
        missing = [p for p in range(1, parts + 1) if str(p) not in refs]
        if missing:
            errors["part_references"] = f"No reference value for part(s) {missing}."
    for field in ("tolerance", "process_sigma"):
        if plan.get(field) is not None and not _positive(plan.get(field)):
            errors[field] = "Must be positive."
    return errors
