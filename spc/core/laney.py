"""Laney's p′ and u′ charts: p and u charts whose sigma is widened (or narrowed) by the
between-subgroup variation of the z-scores (Laney, D. B. (2002), "Improved control charts
for attributes", Quality Engineering 14(4):531-537; Minitab's "Methods and formulas for
Laney P' Chart" and "Laney U' Chart").

From a baseline: p-bar = sum(defectives)/sum(items) (u-bar = sum(defects)/sum(units));
z_i = (p_i - p-bar)/sigma_pi with sigma_pi = sqrt(p-bar(1 - p-bar)/n_i) (u: sqrt(u-bar/n_i));
sigma_Z = MR-bar(z)/1.128 (moving ranges of consecutive z-scores, in baseline order);
limits p-bar +/- 3 sigma_pi sigma_Z, the LCL clipped at 0. sigma_Z = 1 is the classic
chart; above 1 the data are overdispersed (large subgroups), below 1 underdispersed.

The core stores the sigma of one observation as sqrt(p-bar(1 - p-bar)) sigma_Z
(sqrt(u-bar) sigma_Z), so every per-point computation of the p and u charts applies
unchanged.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from spc.core import constants
from spc.core.errors import ZeroSpreadError
from spc.core.types import ChartType


def base_sigma(chart_type: ChartType, rate: float) -> float:
    """The classic chart's sigma of one observation at p-bar (u-bar): sqrt(p(1-p)), sqrt(u);
    0 where it has none."""
    if chart_type.base == ChartType.P:
        return math.sqrt(rate * (1 - rate)) if 0 < rate < 1 else 0.0
    return math.sqrt(rate) if rate > 0 else 0.0


def sigma_z(chart_type: ChartType, counts: Sequence[float], sizes: Sequence[float]) -> float:
    """Laney's sigma-Z of a baseline (counts and sample sizes in order; at least 2).

    Raises ``ZeroSpreadError`` when the z-scores do not vary (sigma-Z = 0: no limits).
    """
    rate = math.fsum(counts) / math.fsum(sizes)
    unit = base_sigma(chart_type, rate)
    if not unit > 0:
        raise ZeroSpreadError("The baseline has no variation: sigma-Z cannot be estimated.")
    z = [(c / n - rate) / (unit / math.sqrt(n)) for c, n in zip(counts, sizes, strict=True)]
    ranges = [abs(b - a) for a, b in itertools.pairwise(z)]
    value = math.fsum(ranges) / len(ranges) / constants.d2(2)
    if not value > 0:
        raise ZeroSpreadError("The z-scores of the baseline do not vary: sigma-Z is zero.")
    return value


def sigma_z_of(chart_type: ChartType, center_line: float, sigma: float) -> float | None:
    """sigma-Z read back from stored limits: sigma / sqrt(p-bar(1 - p-bar)) (u: sqrt(u-bar));
    None for other charts or limits that imply none."""
    if not chart_type.is_laney:
        return None
    unit = base_sigma(chart_type, center_line)
    return sigma / unit if unit > 0 and sigma > 0 else None
