"""Zones of a point around the centre line, in sigma units of the plotted statistic.

Boundaries are symmetric and belong to the inner band: a point exactly on +1, +2 or +3
sigma is in zone C, B or A respectively (not beyond), and a point exactly on the centre
line is on neither side. ``BOUNDARY_TOLERANCE`` absorbs floating-point noise, so a value
computed as 2.9999999999997 or 3.0000000000002 counts as exactly on the limit.
"""

from __future__ import annotations

from spc.core.types import Zone

BOUNDARY_TOLERANCE = 1e-9


def side(z: float) -> int:
    """+1 above the centre line, -1 below, 0 on it (within the tolerance)."""
    if z > BOUNDARY_TOLERANCE:
        return 1
    if z < -BOUNDARY_TOLERANCE:
        return -1
    return 0


def beyond(z: float, sigmas: float) -> int:
    """+1 when ``z`` lies strictly beyond +``sigmas``, -1 beyond -``sigmas``, else 0."""
    if z > sigmas + BOUNDARY_TOLERANCE:
        return 1
    if z < -sigmas - BOUNDARY_TOLERANCE:
        return -1
    return 0


def classify(z: float) -> Zone:
    """The zone of a point ``z`` sigma units from the centre line."""
    direction = side(z)
    if direction == 0:
        return Zone.CENTER
    if beyond(z, 3.0):
        return Zone.BEYOND_UCL if direction > 0 else Zone.BEYOND_LCL
    if beyond(z, 2.0):
        return Zone.A_UPPER if direction > 0 else Zone.A_LOWER
    if beyond(z, 1.0):
        return Zone.B_UPPER if direction > 0 else Zone.B_LOWER
    return Zone.C_UPPER if direction > 0 else Zone.C_LOWER
