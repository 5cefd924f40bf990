"""Errors the SPC core raises for input it cannot judge.

``InputError.field`` uses the REST contract's field names, so every entry point (form, API,
MQTT dead letter) can say which value was wrong without translating.
"""

from __future__ import annotations


class InputError(ValueError):
    """A subgroup or request the core refuses, with the field it concerns."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ZeroSpreadError(InputError):
    """The baseline has no variation, so no sigma (and no limits) can be estimated."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            "non_field_errors",
            message
            or "The baseline has zero spread (all values equal): no sigma can be estimated. "
            "Collect samples that show the process's normal variation.",
        )
