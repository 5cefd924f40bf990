"""Plausible limits refuse, spec limits mark: the pure checks (no database)."""

from __future__ import annotations

import pytest

from spc.core.errors import InputError
from spc.core.plausibility import ValueLabel, check_plausible, outside_spec

TORQUE = ValueLabel("Torque", "N·m", 1)


def test_a_value_above_the_plausible_maximum_is_refused_naming_the_limit() -> None:
    with pytest.raises(InputError) as refused:
        check_plausible((12.0, 1e3), 0.0, 200.0, TORQUE)
    assert refused.value.field == "measurements"
    assert refused.value.message.startswith(
        "1000 N·m is above the plausible maximum 200 N·m for Torque"
    )


def test_a_value_below_the_plausible_minimum_is_refused_naming_the_limit() -> None:
    with pytest.raises(InputError, match=r"-0\.5 N·m is below the plausible minimum 0 N·m"):
        check_plausible((-0.5,), 0.0, None, TORQUE)


def test_a_value_exactly_on_a_plausible_limit_is_accepted() -> None:
    check_plausible((0.0, 200.0), 0.0, 200.0, TORQUE)
    check_plausible((1e9,), None, None, TORQUE)


def test_a_value_exactly_on_a_spec_limit_is_inside_it() -> None:
    assert not outside_spec((9.0, 11.0, None), 9.0, 11.0)
    assert outside_spec((9.0, 11.0001), 9.0, 11.0)
    assert outside_spec((8.9,), 9.0, None)
    assert not outside_spec((1e6,), None, None)
