"""Capability of non-normal data: distribution fits, Box-Cox and Johnson transformations,
percentile indices (ISO 22514-2), expected PPM and the probability plot of the chosen model.

Pure Python with numpy and scipy; no Django. The entry point is
:func:`~spc.core.nonnormal.study.nonnormal_capability`.
"""

from spc.core.nonnormal.models import AUTO, CHOICES, LABELS, MIN_FIT_N
from spc.core.nonnormal.study import FitRow, NonNormalCapability, nonnormal_capability

__all__ = [
    "AUTO",
    "CHOICES",
    "LABELS",
    "MIN_FIT_N",
    "FitRow",
    "NonNormalCapability",
    "nonnormal_capability",
]
