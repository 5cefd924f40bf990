"""Zone classification: symmetric boundaries, each belonging to the inner band."""

from __future__ import annotations

import pytest

from spc.core.types import Zone
from spc.core.zones import BOUNDARY_TOLERANCE, beyond, classify, side

# Half the tolerance: floating-point noise that must still count as "on the boundary".
NOISE = BOUNDARY_TOLERANCE / 2
# Ten times the tolerance: a real step past the boundary.
STEP = BOUNDARY_TOLERANCE * 10


@pytest.mark.parametrize(
    ("z", "zone"),
    [
        (0.0, Zone.CENTER),
        (0.5, Zone.C_UPPER),
        (1.0, Zone.C_UPPER),
        (1.5, Zone.B_UPPER),
        (2.0, Zone.B_UPPER),
        (2.5, Zone.A_UPPER),
        (3.0, Zone.A_UPPER),
        (3.5, Zone.BEYOND_UCL),
        (-0.5, Zone.C_LOWER),
        (-1.0, Zone.C_LOWER),
        (-1.5, Zone.B_LOWER),
        (-2.0, Zone.B_LOWER),
        (-2.5, Zone.A_LOWER),
        (-3.0, Zone.A_LOWER),
        (-3.5, Zone.BEYOND_LCL),
        (1e6, Zone.BEYOND_UCL),
        (-1e6, Zone.BEYOND_LCL),
    ],
)
def test_classify_bands(z: float, zone: Zone) -> None:
    assert classify(z) is zone


@pytest.mark.parametrize(
    ("boundary", "inner", "outer"),
    [
        (1.0, Zone.C_UPPER, Zone.B_UPPER),
        (2.0, Zone.B_UPPER, Zone.A_UPPER),
        (3.0, Zone.A_UPPER, Zone.BEYOND_UCL),
        (-1.0, Zone.C_LOWER, Zone.B_LOWER),
        (-2.0, Zone.B_LOWER, Zone.A_LOWER),
        (-3.0, Zone.A_LOWER, Zone.BEYOND_LCL),
    ],
)
def test_boundary_noise_stays_inner_and_a_real_step_goes_outer(
    boundary: float, inner: Zone, outer: Zone
) -> None:
    outward = 1.0 if boundary > 0 else -1.0
    assert classify(boundary) is inner
    assert classify(boundary + outward * NOISE) is inner
    assert classify(boundary - outward * NOISE) is inner
    assert classify(boundary + outward * STEP) is outer


def test_boundaries_are_symmetric() -> None:
    mirror = {
        Zone.BEYOND_UCL: Zone.BEYOND_LCL,
        Zone.A_UPPER: Zone.A_LOWER,
        Zone.B_UPPER: Zone.B_LOWER,
        Zone.C_UPPER: Zone.C_LOWER,
        Zone.CENTER: Zone.CENTER,
    }
    for z in (0.0, NOISE, 0.3, 1.0, 1.0 + STEP, 2.0, 2.7, 3.0, 3.0 + STEP, 9.0):
        assert classify(-z) is mirror[classify(z)], z


def test_computed_limit_with_rounding_error_is_on_the_limit() -> None:
    # (100.3 - 100) / 0.1 is 3.0000000000000284 in binary floating point.
    z = (100.3 - 100.0) / 0.1
    assert z != 3.0
    assert classify(z) is Zone.A_UPPER


@pytest.mark.parametrize(
    ("z", "expected"),
    [
        (0.0, 0),
        (NOISE, 0),
        (-NOISE, 0),
        (STEP, 1),
        (-STEP, -1),
        (0.01, 1),
        (-42.0, -1),
    ],
)
def test_side(z: float, expected: int) -> None:
    assert side(z) == expected


def test_beyond_is_strict() -> None:
    assert beyond(2.0, 2.0) == 0
    assert beyond(-2.0, 2.0) == 0
    assert beyond(2.0 + STEP, 2.0) == 1
    assert beyond(-2.0 - STEP, 2.0) == -1
    assert beyond(0.0, 0.0) == 0
