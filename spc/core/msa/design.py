"""Study designs shared by the gauge R&R methods: a crossed cube and a nested table.

A crossed study is measurements ``(part, operator, value)``; every operator measures every
part the same number of times (``trials``). The core takes the rows in any order and builds
``cube[part, operator, trial]`` in first-seen label order.

**Unbalanced designs are refused**, not estimated: a missing cell (an operator who did not
measure a part) or unequal trial counts raise :class:`~spc.core.errors.InputError` naming
the cells, so the person entering the study can complete it. This matches Minitab's
crossed gage R&R, which requires a balanced design; REML estimates for unbalanced studies
(Minitab's "expanded" study) are out of scope.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from spc.core.errors import InputError

#: Cells listed in an error message before it says "and N more".
_LISTED = 8


@dataclass(frozen=True)
class CrossedDesign:
    """A balanced crossed study: ``cube[part, operator, trial]``."""

    parts: tuple[Hashable, ...]
    operators: tuple[Hashable, ...]
    cube: np.ndarray

    @property
    def trials(self) -> int:
        """Measurements per part and operator."""
        return int(self.cube.shape[2])


@dataclass(frozen=True)
class NestedDesign:
    """A nested (destructive) study: each part measured by one operator only.

    ``table[operator]`` is a ``(parts_of_that_operator, trials)`` array.
    """

    operators: tuple[Hashable, ...]
    parts: tuple[tuple[Hashable, ...], ...]
    tables: tuple[np.ndarray, ...]


def _finite(value: float) -> float:
    number = float(value)
    if not np.isfinite(number):
        raise InputError("measurements", f"{value!r} is not a finite number.")
    return number


def _cells_text(cells: Sequence[tuple[Hashable, Hashable]]) -> str:
    shown = ", ".join(f"part {p} × operator {o}" for p, o in cells[:_LISTED])
    more = len(cells) - _LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def crossed_design(rows: Iterable[tuple[Hashable, Hashable, float]]) -> CrossedDesign:
    """Build the balanced cube from ``(part, operator, value)`` rows, or refuse it.

    Raises ``InputError`` for fewer than 2 parts, fewer than 2 operators, fewer than 2
    trials in a cell, a missing part × operator cell, or unequal trial counts.
    """
    cells: dict[tuple[Hashable, Hashable], list[float]] = {}
    parts: dict[Hashable, None] = {}
    operators: dict[Hashable, None] = {}
    for part, operator, value in rows:
        parts.setdefault(part, None)
        operators.setdefault(operator, None)
        cells.setdefault((part, operator), []).append(_finite(value))
    if len(parts) < 2:
        raise InputError("parts", "A gauge R&R study needs at least 2 parts.")
    if len(operators) < 2:
        raise InputError(
            "operators",
            "A crossed gauge R&R study needs at least 2 operators; with one operator "
            "only repeatability can be judged (use a Type 1 study).",
        )
    missing = [(p, o) for p in parts for o in operators if (p, o) not in cells]
    if missing:
        raise InputError(
            "measurements",
            "Unbalanced study: every operator must measure every part. Missing: "
            + _cells_text(missing)
            + ".",
        )
    counts = {key: len(values) for key, values in cells.items()}
    trials = max(counts.values())
    short = [key for key, count in counts.items() if count != trials]
    if short:
        raise InputError(
            "measurements",
            f"Unbalanced study: every cell needs {trials} trials. Short or extra: "
            + _cells_text(short)
            + ".",
        )
    if trials < 2:
        raise InputError("trials", "Each operator must measure each part at least twice.")
    cube = np.array([[cells[(p, o)] for o in operators] for p in parts], dtype=float)
    return CrossedDesign(tuple(parts), tuple(operators), cube)


def nested_design(rows: Iterable[tuple[Hashable, Hashable, float]]) -> NestedDesign:
    """Build a nested study from ``(part, operator, value)`` rows, or refuse it.

    Each part must belong to exactly one operator; every operator measures the same number
    of parts, each part the same number of times (balanced, as Minitab's nested study).
    """
    owner: dict[Hashable, Hashable] = {}
    values: dict[Hashable, dict[Hashable, list[float]]] = {}
    for part, operator, value in rows:
        if owner.setdefault(part, operator) != operator:
            raise InputError(
                "measurements",
                f"Part {part} is measured by operators {owner[part]} and {operator}: in a "
                "nested study each part belongs to one operator (use a crossed study).",
            )
        values.setdefault(operator, {}).setdefault(part, []).append(_finite(value))
    if len(values) < 2:
        raise InputError("operators", "A nested gauge R&R study needs at least 2 operators.")
    per_operator = {len(parts) for parts in values.values()}
    if len(per_operator) != 1 or min(per_operator) < 2:
        raise InputError(
            "parts", "Every operator must measure the same number of parts (at least 2)."
        )
    trials = {len(v) for parts in values.values() for v in parts.values()}
    if len(trials) != 1 or min(trials) < 2:
        raise InputError("trials", "Every part must be measured the same number of times (≥ 2).")
    operators = tuple(values)
    return NestedDesign(
        operators=operators,
        parts=tuple(tuple(values[o]) for o in operators),
        tables=tuple(np.array(list(values[o].values()), dtype=float) for o in operators),
    )
