"""Zones of a point around the centre line, in sigma units of the plotted statistic.

Boundaries are symmetric and belong to the inner band: a point exactly on +1, +2 or +3
sigma is in zone C, B or A respectively (not beyond), likewise on -1, -2, -3, and a point
exactly on the centre line is CENTER (on neither side). ``BOUNDARY_TOLERANCE`` absorbs
floating-point noise: a z within it of a boundary counts as exactly on that boundary, so a
value computed as 2.9999999999997 or 3.0000000000002 is on the limit, not beyond it.
"""

from __future__ import annotations

from spc.core.types import Zone

BOUNDARY_TOLERANCE: float = 1e-9


def side(z: float) -> int:
    """+1 above the centre line, -1 below, 0 on it (within ``BOUNDARY_TOLERANCE``)."""
    if z > BOUNDARY_TOLERANCE:
        return 1
    if z < -BOUNDARY_TOLERANCE:
        return -1
    return 0


def beyond(z: float, sigmas: float) -> int:
    """+1 when ``z`` lies strictly beyond +``sigmas``, -1 beyond -``sigmas``, else 0.

    A point on the boundary (within ``BOUNDARY_TOLERANCE``) is not beyond it. The run rules
    use exactly these comparisons, so zones and rules never disagree about a boundary.
    """
    if z > sigmas + BOUNDARY_TOLERANCE:
        return 1
    if z < -sigmas - BOUNDARY_TOLERANCE:
        return -1
    return 0


def classify(z: float) -> Zone:
    """The zone of a point ``z`` sigma units from the centre line.

    ``classify(3.0)`` is ``A_UPPER`` and only ``z > 3`` is ``BEYOND_UCL``; ``classify(2.0)``
    is ``B_UPPER``, ``classify(1.0)`` is ``C_UPPER``, ``classify(0.0)`` is ``CENTER``, and
    the same holds mirrored below the centre line.
    """
    direction = side(z)
    if direction == 0:
        return Zone.CENTER
    upper = direction > 0
    if beyond(z, 3.0):
        return Zone.BEYOND_UCL if upper else Zone.BEYOND_LCL
    if beyond(z, 2.0):
        return Zone.A_UPPER if upper else Zone.A_LOWER
    if beyond(z, 1.0):
        return Zone.B_UPPER if upper else Zone.B_LOWER
    return Zone.C_UPPER if upper else Zone.C_LOWER
