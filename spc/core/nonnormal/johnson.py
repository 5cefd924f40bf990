"""Johnson transformation: the SB, SL or SU curve that makes the data most normal.

Pure Python with numpy and scipy; no Django.

Chou, Polansky & Mason (1998), "Transforming non-normal data to normality in statistical
process control", *Journal of Quality Technology* 30(2), 133–141 — the procedure Minitab's
Johnson transformation follows:

1. for each z in 0.25, 0.26, …, 1.25 take the data's percentiles x₋₃z, x₋z, xz, x₃z at
   the normal probabilities Φ(−3z), Φ(−z), Φ(z), Φ(3z) (Minitab's percentile: position
   p(n + 1), linear between order statistics, the ends held);
2. with m = x₃z − xz, n = x₋z − x₋₃z, p = xz − x₋z the quantile ratio QR = mn/p² picks the
   family — SU (unbounded) for QR > 1, SB (bounded) for QR < 1, SL (lognormal) for
   QR = 1, taken as |QR − 1| < 0.01, where SL is tried beside the family QR's sign names —
   and Slifker & Shapiro's (1980, *Technometrics* 22, 239–246) closed forms give γ, η, ε, λ;
3. each candidate transforms the data (a candidate whose bounds do not hold every value is
   dropped) and the transformed values are tested for normality (Anderson–Darling, mean
   and variance estimated); the candidate with the smallest A² — the largest p-value, the
   p-value falling as A² rises for a given n — is the transformation.

For speed on large studies (n > 4,096) step 3 ranks the candidates on 4,096 order
statistics evenly spaced in rank (the ends kept), then scores the best five on all values
and keeps the smallest A² of those; below that size every candidate sees every value.

The curves (all increasing in x, η > 0):
SU z = γ + η·asinh((x − ε)/λ); SB z = γ + η·ln((x − ε)/(ε + λ − x)), ε < x < ε + λ;
SL z = γ + η·ln(x − ε), x > ε.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from spc.core.errors import InputError
from spc.core.nonnormal.goodness import normal_p, normal_statistic
from spc.core.nonnormal.models import JOHNSON, Model, Transformation

#: The z grid of Chou et al. (1998) and Minitab's default.
Z_GRID = tuple(round(0.25 + 0.01 * i, 2) for i in range(101))
#: |QR − 1| below this also tries the lognormal family SL.
SL_TOLERANCE = 0.01
SB, SL, SU = "SB", "SL", "SU"
#: Candidates are ranked on at most this many order statistics ...
PROBE_SIZE = 4096
#: ... and this many of the best are scored again on every value.
FINALISTS = 5


@dataclass(frozen=True, slots=True)
class JohnsonCurve:
    """One Johnson curve: family and γ, η, ε, λ (λ unused by SL, given as 1)."""

    family: str
    gamma: float
    eta: float
    epsilon: float
    lam: float = 1.0

    def forward(self, x: np.ndarray) -> np.ndarray:
        """z of x, extended to −∞/+∞ below/above a bounded family's support."""
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if self.family == SU:
                return self.gamma + self.eta * np.arcsinh((x - self.epsilon) / self.lam)
            if self.family == SL:
                inside = x > self.epsilon
                logs = np.log(np.where(inside, x - self.epsilon, 1.0))
                return np.where(inside, self.gamma + self.eta * logs, -math.inf)
            low, high = self.epsilon, self.epsilon + self.lam
            inside = (x > low) & (x < high)
            safe = np.where(inside, x, (low + high) / 2)
            z = self.gamma + self.eta * np.log((safe - low) / (high - safe))
            return np.where(inside, z, np.where(x <= low, -math.inf, math.inf))

    def inverse(self, z: np.ndarray) -> np.ndarray:
        """x of z (the inverse of :meth:`forward`)."""
        u = (np.asarray(z, dtype=float) - self.gamma) / self.eta
        with np.errstate(over="ignore"):
            if self.family == SU:
                return self.epsilon + self.lam * np.sinh(u)
            if self.family == SL:
                return self.epsilon + np.exp(u)
            return self.epsilon + self.lam * special.expit(u)

    def holds(self, sorted_values: np.ndarray) -> bool:
        """True when every value lies inside the family's support."""
        if self.family == SU:
            return True
        if self.family == SL:
            return bool(sorted_values[0] > self.epsilon)
        return bool(sorted_values[0] > self.epsilon and sorted_values[-1] < self.epsilon + self.lam)


def percentiles(sorted_values: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Minitab's percentiles: position p(n + 1), linear interpolation, ends held."""
    n = sorted_values.size
    position = np.clip(probabilities * (n + 1), 1.0, float(n)) - 1.0
    below = np.floor(position).astype(int)
    above = np.minimum(below + 1, n - 1)
    share = position - below
    return sorted_values[below] + share * (sorted_values[above] - sorted_values[below])


def curves_for(z: float, x: np.ndarray) -> list[JohnsonCurve]:
    """Slifker & Shapiro's curves from the four percentiles ``x`` = (x₋₃z, x₋z, xz, x₃z)."""
    m, n, p = x[3] - x[2], x[1] - x[0], x[2] - x[1]
    if min(m, n, p) <= 0:
        return []
    mp, np_, qr = m / p, n / p, m * n / p**2
    centre = (x[2] + x[1]) / 2
    curves = []
    if qr > 1:
        root = math.sqrt(qr - 1)
        eta = 2 * z / math.acosh((mp + np_) / 2)
        curves.append(
            JohnsonCurve(
                SU,
                gamma=eta * math.asinh((np_ - mp) / (2 * root)),
                eta=eta,
                epsilon=centre + p * (np_ - mp) / (2 * (mp + np_ - 2)),
                lam=2 * p * root / ((mp + np_ - 2) * math.sqrt(mp + np_ + 2)),
            )
        )
    elif qr < 1:
        pm, pn = p / m, p / n
        product = (1 + pm) * (1 + pn)
        excess = pm * pn - 1
        eta = z / math.acosh(math.sqrt(product) / 2)
        lam = p * math.sqrt((product - 2) ** 2 - 4) / excess
        curves.append(
            JohnsonCurve(
                SB,
                gamma=eta * math.asinh((pn - pm) * math.sqrt(product - 4) / (2 * excess)),
                eta=eta,
                epsilon=centre - lam / 2 + p * (pn - pm) / (2 * excess),
                lam=lam,
            )
        )
    if abs(qr - 1) < SL_TOLERANCE and mp > 1:
        eta = 2 * z / math.log(mp)
        curves.append(
            JohnsonCurve(
                SL,
                gamma=eta * math.log((mp - 1) / (p * math.sqrt(mp))),
                eta=eta,
                epsilon=centre - (p / 2) * (mp + 1) / (mp - 1),
            )
        )
    return [c for c in curves if all(map(math.isfinite, (c.gamma, c.eta, c.epsilon, c.lam)))]


def select_curve(sorted_values: np.ndarray) -> tuple[JohnsonCurve, float, float, float]:
    """(curve, A², mean, sigma) of the best Johnson curve (see the module docstring).

    Raises ``InputError`` (field ``distribution``) when no z gives a usable curve (e.g.
    many tied values, so that the percentiles coincide).
    """
    grid = np.asarray(Z_GRID)
    probabilities = special.ndtr(np.stack([-3 * grid, -grid, grid, 3 * grid], axis=1))
    quantiles = percentiles(sorted_values, probabilities.ravel()).reshape(-1, 4)
    n = sorted_values.size
    probe = sorted_values
    if n > PROBE_SIZE:
        probe = sorted_values[np.unique(np.rint(np.linspace(0, n - 1, PROBE_SIZE)).astype(int))]
    ranked: list[tuple[float, int, JohnsonCurve]] = []
    for z, x in zip(Z_GRID, quantiles, strict=True):
        for curve in curves_for(z, x):
            if curve.holds(sorted_values):
                scored = _score(curve, probe)
                if scored is not None:
                    ranked.append((scored[0], len(ranked), curve))
    ranked.sort(key=lambda item: item[:2])
    finalists = ranked[:FINALISTS] if probe is not sorted_values else ranked[:1]
    best: tuple[JohnsonCurve, float, float, float] | None = None
    for _, _, curve in finalists:
        scored = _score(curve, sorted_values)
        if scored is not None and (best is None or scored[0] < best[1]):
            best = (curve, *scored)
    if best is None:
        raise InputError(
            "distribution",
            "No Johnson transformation fits these values (too many equal values).",
        )
    return best


def _score(curve: JohnsonCurve, sorted_values: np.ndarray) -> tuple[float, float, float] | None:
    """(A², mean, sigma) of the curve's transformed values; None without spread."""
    transformed = curve.forward(sorted_values)
    mean, sigma = float(transformed.mean()), float(transformed.std(ddof=1))
    if not (math.isfinite(sigma) and sigma > 0):
        return None
    return normal_statistic(transformed, mean, sigma), mean, sigma


def fit_johnson(sorted_values: np.ndarray) -> Model:
    """The Johnson model: the selected curve, then a normal model of the transformed
    values (their mean and sample standard deviation)."""
    curve, statistic, mean, sigma = select_curve(sorted_values)
    normal = stats.norm(loc=mean, scale=sigma)
    parameters = (
        ("gamma", curve.gamma),
        ("eta", curve.eta),
        ("epsilon", float(curve.epsilon)),
        *((("lambda", float(curve.lam)),) if curve.family != SL else ()),
    )
    transformation = Transformation(
        kind=JOHNSON,
        family=curve.family,
        parameters=parameters,
        forward=curve.forward,
        inverse=curve.inverse,
        mean=mean,
        sigma=sigma,
    )
    return Model(
        name=JOHNSON,
        parameters=parameters,
        goodness=normal_p(statistic, sorted_values.size),
        cdf=lambda x: normal.cdf(curve.forward(x)),
        sf=lambda x: normal.sf(curve.forward(x)),
        ppf=lambda q: curve.inverse(normal.ppf(q)),
        transformation=transformation,
    )
