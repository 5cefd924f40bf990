"""Capability of non-normal data: fit table, best fit, percentile indices, expected PPM.

Pure Python with numpy and scipy; no Django.

Percentile method (ISO 22514-2:2017, §6.2 "method of percentiles"; Minitab's non-normal
capability), with X₀.₁₃₅, X₅₀ and X₉₉.₈₆₅ the fitted model's 0.135 %, 50 % and 99.865 %
quantiles:

    Pp  = (USL − LSL)/(X₉₉.₈₆₅ − X₀.₁₃₅)
    Ppu = (USL − X₅₀)/(X₉₉.₈₆₅ − X₅₀),  Ppl = (X₅₀ − LSL)/(X₅₀ − X₀.₁₃₅),  Ppk = min.

For a normal model they are the usual Pp/Ppk with σ overall. Expected PPM: 10⁶·F(LSL)
below and 10⁶·(1 − F(USL)) above. For the transformations the indices are also given on
the transformed scale (the spec limits transformed with the data, then the normal
formulas with the transformed mean and sample standard deviation), as Minitab prints them.

The best fit is the model with the largest Anderson–Darling p-value; a p-value known only
as "> p" ranks above the same number given exactly, and equal p-values go to the smaller
A². "auto" uses the best fit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from spc.core.capability import verdict
from spc.core.errors import InputError, ZeroSpreadError
from spc.core.nonnormal.boxcox import fit_boxcox
from spc.core.nonnormal.distributions import (
    fit_exponential,
    fit_gamma,
    fit_lognormal,
    fit_normal,
    fit_weibull,
)
from spc.core.nonnormal.johnson import fit_johnson
from spc.core.nonnormal.models import (
    AUTO,
    BOXCOX,
    CHOICES,
    EXPONENTIAL,
    GAMMA,
    JOHNSON,
    LABELS,
    LOGNORMAL,
    NORMAL,
    WEIBULL,
    Model,
    require_enough,
)
from spc.core.nonnormal.plot import FitPlot, fit_plot
from spc.core.ppm import MILLION, Ppm, observed_ppm

LOW, MIDDLE, HIGH = 0.00135, 0.5, 0.99865
BOUND_RANK = {">": 1, "": 0, "<": -1}


@dataclass(frozen=True, slots=True)
class FitRow:
    """One row of the fit table; ``error`` says why a family was not fitted ("" if it was)."""

    distribution: str
    label: str
    parameters: tuple[tuple[str, float], ...]
    statistic: float | None
    p_value: float | None
    p_bound: str
    p_text: str
    error: str
    best: bool


@dataclass(frozen=True, slots=True)
class TransformedIndices:
    """Normal-theory indices on a transformation's scale (None where a limit is missing
    or lies outside the transformation's domain)."""

    usl: float | None
    lsl: float | None
    mean: float
    sigma: float
    pp: float | None
    ppk: float | None
    ppu: float | None
    ppl: float | None


@dataclass(frozen=True, slots=True)
class NonNormalCapability:
    """The non-normal study of one set of values against its spec limits.

    ``distribution`` is the model used (``requested`` may be "auto"), ``fits`` the fit
    table with the best fit marked, ``family`` the Johnson family ("" otherwise).
    ``acceptable`` is False when the chosen model's fit is rejected (p < 0.05).
    """

    requested: str
    distribution: str
    label: str
    family: str
    best_fit: str | None
    parameters: tuple[tuple[str, float], ...]
    statistic: float
    p_value: float
    p_bound: str
    p_text: str
    acceptable: bool
    fits: tuple[FitRow, ...]
    n: int
    usl: float | None
    lsl: float | None
    one_sided: bool
    percentile_low: float
    median: float
    percentile_high: float
    pp: float | None
    ppk: float | None
    ppu: float | None
    ppl: float | None
    index_verdict: str
    ppm_expected: Ppm
    ppm_observed: Ppm
    transformed: TransformedIndices | None
    plot: FitPlot
    curve_y: tuple[float, ...] | None = None


FITTERS: dict[str, Callable[[np.ndarray], Model]] = {
    NORMAL: fit_normal,
    LOGNORMAL: fit_lognormal,
    WEIBULL: fit_weibull,
    EXPONENTIAL: fit_exponential,
    GAMMA: fit_gamma,
    JOHNSON: fit_johnson,
}


def nonnormal_capability(
    values: Sequence[float] | np.ndarray,
    *,
    usl: float | None,
    lsl: float | None,
    distribution: str = AUTO,
    lam: float | None = None,
    curve_x: Sequence[float] | None = None,
    bin_width: float | None = None,
) -> NonNormalCapability:
    """Fit every family, choose one (``distribution``, or the best fit for "auto") and
    compute the percentile indices and expected PPM from it.

    ``lam`` fixes the Box-Cox λ (e.g. the rounded one); without it λ is the maximum-
    likelihood estimate. Families that cannot be fitted (non-positive values for the
    lognormal, Weibull, exponential, gamma and Box-Cox) appear in the table with the reason.

    Raises ``InputError``: field ``distribution`` for an unknown name or a chosen family
    that cannot be fitted, ``lambda`` for λ outside [−5, 5], ``non_field_errors`` for
    fewer than 10 values or non-finite ones, ``usl``/``lsl`` for missing or inverted
    limits; ``ZeroSpreadError`` when all values are equal.

    Given the histogram's ``curve_x`` and ``bin_width``, ``curve_y`` is the chosen model's
    density there scaled to the counts (pdf(x)·N·bin width), to draw over the bars.
    """
    if distribution not in (AUTO, *CHOICES):
        raise InputError("distribution", f"Choose one of: {', '.join((AUTO, *CHOICES))}.")
    data = _validated(values)
    _validate_limits(usl, lsl)
    models, errors = _fit_all(data, lam, strict=distribution == BOXCOX)
    best = _best(models)
    chosen_name = best if distribution == AUTO else distribution
    if chosen_name is None or chosen_name not in models:
        raise InputError("distribution", errors.get(chosen_name or "", "No model fits the values."))
    model = models[chosen_name]
    low, middle, high = (float(v) for v in model.ppf(np.array([LOW, MIDDLE, HIGH])))
    pp, ppu, ppl, ppk = _percentile_indices(usl, lsl, low, middle, high)
    return NonNormalCapability(
        requested=distribution,
        distribution=chosen_name,
        label=model.label,
        family=model.transformation.family if model.transformation else "",
        best_fit=best,
        parameters=model.parameters,
        statistic=model.goodness.statistic,
        p_value=model.goodness.p_value,
        p_bound=model.goodness.p_bound,
        p_text=model.goodness.text,
        acceptable=model.goodness.accepts(),
        fits=_rows(models, errors, best),
        n=int(data.size),
        usl=usl,
        lsl=lsl,
        one_sided=usl is None or lsl is None,
        percentile_low=low,
        median=middle,
        percentile_high=high,
        pp=pp,
        ppk=ppk,
        ppu=ppu,
        ppl=ppl,
        index_verdict=verdict(ppk, int(data.size)),
        ppm_expected=_expected_ppm(model, usl, lsl),
        ppm_observed=observed_ppm(data, usl=usl, lsl=lsl),
        transformed=_transformed(model, usl, lsl),
        plot=fit_plot(data, model),
        curve_y=fitted_counts(model, curve_x, int(data.size), bin_width),
    )


def fitted_counts(
    model: Model, xs: Sequence[float] | None, n: int, bin_width: float | None
) -> tuple[float, ...] | None:
    """The model's density at ``xs`` times ``n``·``bin_width`` (None without them): the
    central difference of its CDF over a thousandth of a bin, 0 where it is not defined
    (below 0 for the positive families)."""
    if xs is None or bin_width is None or not bin_width > 0:
        return None
    x = np.asarray(xs, dtype=float)
    step = bin_width / 1000
    with np.errstate(all="ignore"):
        density = (model.cdf(x + step) - model.cdf(x - step)) / (2 * step)
    density = np.nan_to_num(np.clip(density, 0.0, None), nan=0.0, posinf=0.0)
    return tuple(float(v) for v in density * n * bin_width)


def _fit_all(
    data: np.ndarray, lam: float | None, *, strict: bool
) -> tuple[dict[str, Model], dict[str, str]]:
    """Every model that can be fitted, and why each other one cannot."""
    models: dict[str, Model] = {}
    errors: dict[str, str] = {}
    for name in CHOICES:
        try:
            models[name] = fit_boxcox(data, lam) if name == BOXCOX else FITTERS[name](data)
        except InputError as exc:
            if strict and exc.field == "lambda":
                raise
            errors[name] = exc.message
    return models, errors


def _best(models: dict[str, Model]) -> str | None:
    """The name with the largest p-value (see the module docstring)."""
    if not models:
        return None
    return max(
        models,
        key=lambda name: (
            models[name].goodness.p_value,
            BOUND_RANK[models[name].goodness.p_bound],
            -models[name].goodness.statistic,
        ),
    )


def _rows(models: dict[str, Model], errors: dict[str, str], best: str | None) -> tuple[FitRow, ...]:
    rows = []
    for name in CHOICES:
        model = models.get(name)
        if model is None:
            rows.append(FitRow(name, LABELS[name], (), None, None, "", "", errors[name], False))
            continue
        g = model.goodness
        statistic = g.statistic if math.isfinite(g.statistic) else None
        rows.append(
            FitRow(name, model.label, model.parameters, statistic, g.p_value, g.p_bound,
                   g.text, "", name == best)
        )  # fmt: skip
    return tuple(rows)


def _percentile_indices(
    usl: float | None, lsl: float | None, low: float, middle: float, high: float
) -> tuple[float | None, float | None, float | None, float | None]:
    """(Pp, Ppu, Ppl, Ppk) by the percentile method; None where undefined."""
    finite = all(map(math.isfinite, (low, middle, high)))
    ppu = (usl - middle) / (high - middle) if usl is not None and finite else None
    ppl = (middle - lsl) / (middle - low) if lsl is not None and finite else None
    pp = (usl - lsl) / (high - low) if usl is not None and lsl is not None and finite else None
    sides = [v for v in (ppu, ppl) if v is not None]
    return pp, ppu, ppl, (min(sides) if sides else None)


def _expected_ppm(model: Model, usl: float | None, lsl: float | None) -> Ppm:
    below = MILLION * float(model.cdf(np.array([lsl]))[0]) if lsl is not None else None
    above = MILLION * float(model.sf(np.array([usl]))[0]) if usl is not None else None
    return Ppm(below=below, above=above, total=(below or 0.0) + (above or 0.0))


def _transformed(model: Model, usl: float | None, lsl: float | None) -> TransformedIndices | None:
    t = model.transformation
    if t is None:
        return None

    def limit(value: float | None) -> float | None:
        if value is None:
            return None
        mapped = float(t.forward(np.array([value]))[0])
        return mapped if math.isfinite(mapped) else None

    tusl, tlsl = limit(usl), limit(lsl)
    ppu = (tusl - t.mean) / (3 * t.sigma) if tusl is not None else None
    ppl = (t.mean - tlsl) / (3 * t.sigma) if tlsl is not None else None
    pp = (tusl - tlsl) / (6 * t.sigma) if tusl is not None and tlsl is not None else None
    sides = [v for v in (ppu, ppl) if v is not None]
    return TransformedIndices(
        usl=tusl, lsl=tlsl, mean=t.mean, sigma=t.sigma, pp=pp,
        ppk=min(sides) if sides else None, ppu=ppu, ppl=ppl,
    )  # fmt: skip


def _validated(values: Sequence[float] | np.ndarray) -> np.ndarray:
    try:
        data = np.sort(np.asarray(values, dtype=float).ravel())
    except (TypeError, ValueError) as exc:
        raise InputError("non_field_errors", "Every value must be a number.") from exc
    if not np.all(np.isfinite(data)):
        raise InputError("non_field_errors", "Values must be finite numbers (no NaN or infinity).")
    require_enough(data)
    if data[0] == data[-1]:
        raise ZeroSpreadError("All values are equal (zero spread): no distribution can be fitted.")
    return data


def _validate_limits(usl: float | None, lsl: float | None) -> None:
    if usl is None and lsl is None:
        raise InputError(
            "non_field_errors",
            "A capability study needs at least one specification limit (USL or LSL).",
        )
    for name, value in (("usl", usl), ("lsl", lsl)):
        if value is not None and not math.isfinite(value):
            raise InputError(name, f"{name.upper()} must be a finite number.")
    if usl is not None and lsl is not None and usl <= lsl:
        raise InputError("usl", "USL must be greater than LSL.")
