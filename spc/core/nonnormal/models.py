"""A fitted model of the process: distribution or transformation, as the indices use it.

Pure Python with numpy and scipy; no Django. Every model answers the same three questions
the capability indices ask — F(x), 1 − F(x) and the quantile F⁻¹(p) — and carries its
goodness of fit, so the percentile indices, the expected PPM and the probability plot do
not care which family they read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from spc.core.errors import InputError
from spc.core.nonnormal.goodness import GoodnessOfFit

Curve = Callable[[np.ndarray], np.ndarray]

NORMAL = "normal"
LOGNORMAL = "lognormal"
WEIBULL = "weibull"
EXPONENTIAL = "exponential"
GAMMA = "gamma"
BOXCOX = "boxcox"
JOHNSON = "johnson"
AUTO = "auto"
#: The distribution fits, then the transformations, in the order the fit table lists them.
CHOICES = (NORMAL, LOGNORMAL, WEIBULL, EXPONENTIAL, GAMMA, BOXCOX, JOHNSON)
LABELS = {
    NORMAL: "Normal",
    LOGNORMAL: "Lognormal",
    WEIBULL: "Weibull",
    EXPONENTIAL: "Exponential",
    GAMMA: "Gamma",
    BOXCOX: "Box-Cox transformation",
    JOHNSON: "Johnson transformation",
}
#: Families defined for positive values only.
POSITIVE_ONLY = (LOGNORMAL, WEIBULL, EXPONENTIAL, GAMMA, BOXCOX)
#: Fewer values than this and no distribution is fitted: four quantiles and a tail test
#: from fewer points say nothing (Minitab asks for at least 10 for its identification).
MIN_FIT_N = 10


@dataclass(frozen=True, slots=True)
class Transformation:
    """How a transformation maps the data to a normal scale.

    ``kind`` is "boxcox" or "johnson"; ``family`` the Johnson family ("SB", "SL", "SU";
    "" for Box-Cox); ``parameters`` (name, value) pairs (λ for Box-Cox; γ, η, ε, λ for
    Johnson); ``forward`` and ``inverse`` map values to the normal scale and back (both
    increasing). ``mean`` and ``sigma`` are the transformed data's mean and sample
    standard deviation (n − 1 divisor), the normal model on the transformed scale.
    """

    kind: str
    family: str
    parameters: tuple[tuple[str, float], ...]
    forward: Curve = field(repr=False, compare=False)
    inverse: Curve = field(repr=False, compare=False)
    mean: float
    sigma: float


@dataclass(frozen=True, slots=True)
class Model:
    """A fitted model: its name, parameters, goodness of fit, F, 1 − F and F⁻¹.

    ``values_scale`` maps the data to the scale on which the probability plot is drawn
    straight ("log" for lognormal and Weibull, "linear" otherwise); ``transformation`` is
    set for Box-Cox and Johnson.
    """

    name: str
    parameters: tuple[tuple[str, float], ...]
    goodness: GoodnessOfFit
    cdf: Curve = field(repr=False, compare=False)
    sf: Curve = field(repr=False, compare=False)
    ppf: Curve = field(repr=False, compare=False)
    transformation: Transformation | None = None

    @property
    def label(self) -> str:
        """The model's name as printed, e.g. "Weibull" or "Johnson transformation (SU)"."""
        if self.transformation is not None and self.transformation.family:
            return f"{LABELS[self.name]} ({self.transformation.family})"
        return LABELS[self.name]


def require_positive(data: np.ndarray, name: str) -> None:
    """Raise ``InputError`` (field ``distribution``) unless every value is positive."""
    bad = int(np.count_nonzero(data <= 0))
    if bad:
        raise InputError(
            "distribution",
            f"The {LABELS[name]} needs positive values: {bad} of {data.size} values are "
            "zero or negative. Choose the normal distribution or the Johnson transformation.",
        )


def require_enough(data: np.ndarray) -> None:
    """Raise ``InputError`` when fewer than :data:`MIN_FIT_N` values are given."""
    if data.size < MIN_FIT_N:
        raise InputError(
            "non_field_errors",
            f"A distribution fit needs at least {MIN_FIT_N} values; the study has {data.size}.",
        )
