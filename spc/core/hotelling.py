"""Hotelling T² for a group of 2–10 quality characteristics measured together.

Pure Python with numpy and scipy; no Django. The multivariate app fits a
:class:`HotellingModel` once over a baseline ("calculate limits") and evaluates every new
observation with :func:`t_squared`, which runs on plain floats: the inverse covariance is
kept as the rows of the inverse Cholesky factor, so one T² costs about p²/2 multiply-adds
and no numpy call.

Formulas and sources:

* Individual observations (n = 1), m baseline observations of p variables, sample mean x̄
  and sample covariance S (n − 1 divisor): T² = (x − x̄)' S⁻¹ (x − x̄).
  Phase I (retrospective, the baseline itself) UCL = ((m − 1)²/m) · Beta₁₋α(p/2, (m−p−1)/2)
  (Tracy, Young & Mason 1992, J. Quality Technology 24(2)); phase II (new observations)
  UCL = p(m + 1)(m − 1)/(m² − mp) · F₁₋α(p, m − p) (Montgomery, *Introduction to SQC*,
  6th ed., eq. 11.19/11.20).
* Subgroups of size n > 1 (Montgomery §11.3.1): x̿ the grand mean, S̄ the average of the m
  subgroup covariance matrices, T² = n (x̄ − x̿)' S̄⁻¹ (x̄ − x̿); phase I
  UCL = p(m−1)(n−1)/(mn − m − p + 1) · F₁₋α(p, mn − m − p + 1), phase II the same with
  (m + 1) for (m − 1).
* Contributions (Mason, Tracy & Young 1995, the "MYT decomposition", J. Quality
  Technology 27(2)): each variable's unconditional term T²ⱼ = n (xⱼ − x̄ⱼ)²/sⱼⱼ (its own
  squared t statistic) and its conditional term given all the others,
  T²ⱼ·rest = T² − T²₍₋ⱼ₎ = n wⱼ²/(S⁻¹)ⱼⱼ with w = S⁻¹(x − x̄). The variables with the
  largest conditional terms are the ones whose removal lowers T² the most: a signal names
  them.

A point exactly on the UCL is not beyond it. The LCL is 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from spc.core.errors import InputError

MIN_VARIABLES = 2
MAX_VARIABLES = 10
#: Below this reciprocal condition number of the correlation matrix the covariance is
#: treated as singular: the variables are (nearly) collinear and S⁻¹ is meaningless.
MIN_RECIPROCAL_CONDITION = 1e-10


@dataclass(frozen=True)
class HotellingModel:
    """What a T² evaluation needs, fitted once over a baseline.

    ``whitening`` holds the rows of L⁻¹ where S = L L' (lower triangular), so
    T² = n · Σᵢ (Σⱼ≤ᵢ L⁻¹ᵢⱼ dⱼ)². ``inverse`` is S⁻¹ itself (for contributions and storage).
    """

    mean: tuple[float, ...]
    covariance: tuple[tuple[float, ...], ...]
    inverse: tuple[tuple[float, ...], ...]
    whitening: tuple[tuple[float, ...], ...]
    m: int
    n: int = 1

    @property
    def p(self) -> int:
        """Number of variables."""
        return len(self.mean)


@dataclass(frozen=True)
class Contribution:
    """One variable's share of a T² value (MYT decomposition)."""

    index: int
    unconditional: float
    conditional: float


def _check_shape(rows: Sequence[Sequence[float]], field: str) -> tuple[int, int]:
    if not rows:
        raise InputError(field, "No complete observations in the baseline.")
    p = len(rows[0])
    if not MIN_VARIABLES <= p <= MAX_VARIABLES:
        raise InputError(
            field,
            f"A multivariate group has {MIN_VARIABLES} to {MAX_VARIABLES} variables; got {p}.",
        )
    for row in rows:
        if len(row) != p:
            raise InputError(field, "Every observation needs a value for every variable.")
        if not all(math.isfinite(v) for v in row):
            raise InputError(field, "Every value must be a finite number.")
    return len(rows), p


def _model(
    mean: np.ndarray, cov: np.ndarray, m: int, n: int, names: Sequence[str] | None
) -> HotellingModel:
    """Check ``cov`` is invertible (not collinear), then precompute its factors."""
    p = len(mean)
    label = list(names) if names else [f"variable {i + 1}" for i in range(p)]
    variances = np.diag(cov)
    flat = [label[i] for i in range(p) if not variances[i] > 0]
    if flat:
        raise InputError(
            "baseline",
            f"No variation in {', '.join(flat)} over the baseline: the covariance matrix is "
            "singular. Use a baseline where every variable varies.",
        )
    scale = 1.0 / np.sqrt(variances)
    corr = cov * np.outer(scale, scale)
    eigen = np.linalg.eigvalsh(corr)
    if not eigen[0] > MIN_RECIPROCAL_CONDITION * eigen[-1]:
        raise InputError(
            "baseline",
            "The variables are collinear over the baseline (one is a linear combination of "
            "the others), so the covariance matrix is singular and T² is undefined. Remove "
            "the redundant characteristic from the group.",
        )
    chol = np.linalg.cholesky(cov)
    whitening = np.linalg.inv(chol)
    inverse = whitening.T @ whitening
    return HotellingModel(
        mean=tuple(float(v) for v in mean),
        covariance=tuple(tuple(float(v) for v in row) for row in cov),
        inverse=tuple(tuple(float(v) for v in row) for row in inverse),
        whitening=tuple(tuple(float(v) for v in row[: i + 1]) for i, row in enumerate(whitening)),
        m=m,
        n=n,
    )


def fit_individuals(
    observations: Sequence[Sequence[float]], names: Sequence[str] | None = None
) -> HotellingModel:
    """Mean vector and sample covariance (n − 1 divisor) of m individual observations.

    Refuses (``InputError`` on ``baseline``) m ≤ p (S would be singular), a variable with
    no variation and collinear variables. ``names`` label the variables in messages.
    """
    m, p = _check_shape(observations, "baseline")
    if m <= p:
        raise InputError(
            "baseline",
            f"Phase I limits for {p} variables need more than {p} complete observations; "
            f"the baseline has {m}.",
        )
    data = np.asarray(observations, dtype=float)
    return _model(data.mean(axis=0), np.cov(data, rowvar=False, ddof=1), m, 1, names)


def fit_subgroups(
    subgroups: Sequence[Sequence[Sequence[float]]], names: Sequence[str] | None = None
) -> HotellingModel:
    """Grand mean x̿ and pooled S̄ (average of the subgroup covariances), Montgomery §11.3.1.

    Every subgroup is n rows (n ≥ 2, the same n for all) of p values.
    """
    if not subgroups:
        raise InputError("baseline", "No complete subgroups in the baseline.")
    n = len(subgroups[0])
    if n < 2 or any(len(group) != n for group in subgroups):
        raise InputError("baseline", "Every subgroup needs the same size n of at least 2.")
    for group in subgroups:
        _check_shape(group, "baseline")
    data = np.asarray(subgroups, dtype=float)  # m × n × p
    m, _, p = data.shape
    if m * n - m - p + 1 <= 0:
        raise InputError(
            "baseline", f"{m} subgroups of {n} are too few for {p} variables (mn − m − p + 1 ≤ 0)."
        )
    covs = [np.cov(group, rowvar=False, ddof=1) for group in data]
    return _model(data.mean(axis=(0, 1)), np.mean(covs, axis=0), m, n, names)


def t_squared(model: HotellingModel, x: Sequence[float]) -> float:
    """T² of one observation (n = 1) or subgroup mean vector (n > 1); always ≥ 0."""
    d = [xi - mi for xi, mi in zip(x, model.mean, strict=True)]
    total = 0.0
    for row in model.whitening:
        z = 0.0
        for a, b in zip(row, d, strict=False):
            z += a * b
        total += z * z
    return model.n * total


def contributions(model: HotellingModel, x: Sequence[float]) -> tuple[Contribution, ...]:
    """Each variable's unconditional and conditional MYT term, in variable order."""
    d = [xi - mi for xi, mi in zip(x, model.mean, strict=True)]
    n = model.n
    out = []
    for j, row in enumerate(model.inverse):
        w = sum(a * b for a, b in zip(row, d, strict=True))
        out.append(
            Contribution(
                index=j,
                unconditional=n * d[j] * d[j] / model.covariance[j][j],
                conditional=n * w * w / row[j],
            )
        )
    return tuple(out)


def top_contributors(terms: Sequence[Contribution], count: int = 2) -> list[int]:
    """Indexes of the ``count`` variables with the largest conditional terms, largest first."""
    ranked = sorted(terms, key=lambda c: (-c.conditional, -c.unconditional, c.index))
    return [c.index for c in ranked[:count]]


def _check_alpha(alpha: float) -> None:
    if not (math.isfinite(alpha) and 0.0 < alpha < 1.0):
        raise InputError("alpha", f"α must be between 0 and 1 (exclusive); got {alpha}.")


def phase_one_ucl(m: int, p: int, alpha: float, n: int = 1) -> float:
    """UCL for the baseline's own points: beta (n = 1, Tracy-Young-Mason) or F (n > 1)."""
    _check_alpha(alpha)
    if n == 1:
        if m <= p + 1:
            raise InputError("baseline", f"Phase I needs more than {p + 1} observations; got {m}.")
        q = float(stats.beta.ppf(1.0 - alpha, p / 2.0, (m - p - 1) / 2.0))
        return (m - 1) ** 2 / m * q
    dof = m * n - m - p + 1
    if dof <= 0:
        raise InputError("baseline", f"{m} subgroups of {n} are too few for {p} variables.")
    return p * (m - 1) * (n - 1) / dof * float(stats.f.ppf(1.0 - alpha, p, dof))


def phase_two_ucl(m: int, p: int, alpha: float, n: int = 1) -> float:
    """UCL for new points judged against a fitted baseline of m observations or subgroups."""
    _check_alpha(alpha)
    if n == 1:
        if m <= p:
            raise InputError("baseline", f"Phase II needs more than {p} observations; got {m}.")
        return p * (m + 1) * (m - 1) / (m * m - m * p) * float(stats.f.ppf(1.0 - alpha, p, m - p))
    dof = m * n - m - p + 1
    if dof <= 0:
        raise InputError("baseline", f"{m} subgroups of {n} are too few for {p} variables.")
    return p * (m + 1) * (n - 1) / dof * float(stats.f.ppf(1.0 - alpha, p, dof))


def ucl_for(model: HotellingModel, alpha: float, phase: int) -> float:
    """The UCL of ``phase`` (1 or 2) for a fitted model."""
    if phase == 1:
        return phase_one_ucl(model.m, model.p, alpha, model.n)
    return phase_two_ucl(model.m, model.p, alpha, model.n)


def model_from_stored(
    mean: Sequence[float], covariance: Sequence[Sequence[float]], m: int, n: int = 1
) -> HotellingModel:
    """Rebuild a model from a stored mean vector and covariance (the app's saved limits)."""
    return _model(np.asarray(mean, dtype=float), np.asarray(covariance, dtype=float), m, n, None)
