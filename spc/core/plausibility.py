"""Data-quality checks of a subgroup against its characteristic: plausible (reasonable)
limits, which refuse a value, and the specification limits, which only mark it.

Plausible limits catch typing and gauge errors ("1e3" for 1.03, a unit slip, a sensor
reading its full-scale value) before they enter a chart: a value outside them cannot be a
real measurement of the part, so it is refused, never stored. Spec limits say whether a
real part is good: a value outside is stored and flagged. A value exactly on a limit is
inside it, for both kinds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from spc.core.errors import InputError


@dataclass(frozen=True)
class ValueLabel:
    """How a value reads in a message: the characteristic's name, unit and decimals."""

    name: str
    unit: str = ""
    decimals: int = 3

    def show(self, value: float) -> str:
        """``value`` with the characteristic's decimals (trailing zeros dropped) and unit."""
        text = f"{value:.{self.decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return f"{text} {self.unit}".strip() if self.unit else text


def check_plausible(
    values: Sequence[float], low: float | None, high: float | None, label: ValueLabel
) -> None:
    """Refuse the first value outside [``low``, ``high``] (either may be None: no limit).

    Raises ``InputError("measurements", "1000 N·m is above the plausible maximum 200 N·m
    for Torque.")``. A value exactly on a limit is plausible.
    """
    for value in values:
        if high is not None and value > high:
            side, limit = "above the plausible maximum", high
        elif low is not None and value < low:
            side, limit = "below the plausible minimum", low
        else:
            continue
        raise InputError(
            "measurements",
            f"{label.show(value)} is {side} {label.show(limit)} for {label.name}: "
            "check the value and the gauge.",
        )


def outside_spec(values: Iterable[float | None], lsl: float | None, usl: float | None) -> bool:
    """True when any value lies strictly outside [LSL, USL] (on a limit is inside)."""
    for value in values:
        if value is None:
            continue
        if (usl is not None and value > usl) or (lsl is not None and value < lsl):
            return True
    return False
