"""Non-normal capability study: percentile indices (ISO 22514-2), expected PPM, best fit,
verdict and refusals.

The percentile formulas are ISO 22514-2:2017 §6.2 / Minitab's non-normal capability:
Pp = (USL − LSL)/(X₉₉.₈₆₅ − X₀.₁₃₅), Ppk = min((USL − X₅₀)/(X₉₉.₈₆₅ − X₅₀),
(X₅₀ − LSL)/(X₅₀ − X₀.₁₃₅)). The oracle quantiles and tail areas come from scipy.stats
distributions with scipy's own maximum-likelihood fits; for the normal model the percentile
indices must equal the classic Pp/Ppk of :mod:`spc.core.capability` (an identity of the
method, not a number taken from the code).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from spc.core.capability import capability
from spc.core.capability_assessment import Stability
from spc.core.errors import InputError, ZeroSpreadError
from spc.core.nonnormal import nonnormal_capability
from spc.core.nonnormal.assessment import POOR_FIT, assess_nonnormal

RNG = np.random.default_rng(7)
WEIBULL_DATA = RNG.weibull(1.6, 120) * 20.0
NORMAL_DATA = RNG.normal(10.0, 0.5, 200)
STABLE = Stability(open_violations=0, beyond_limits=0, judged=120, points=120)


def percentile_indices(dist, usl: float, lsl: float) -> tuple[float, float]:
    low, mid, high = dist.ppf([0.00135, 0.5, 0.99865])
    pp = (usl - lsl) / (high - low)
    return pp, min((usl - mid) / (high - mid), (mid - lsl) / (mid - low))


def test_weibull_percentile_indices_and_ppm_match_scipy() -> None:
    c, _, scale = stats.weibull_min.fit(WEIBULL_DATA, floc=0)
    dist = stats.weibull_min(c, scale=scale)
    result = nonnormal_capability(WEIBULL_DATA, usl=80.0, lsl=0.5, distribution="weibull")
    pp, ppk = percentile_indices(dist, 80.0, 0.5)
    assert result.pp == pytest.approx(pp, rel=1e-4)
    assert result.ppk == pytest.approx(ppk, rel=1e-4)
    assert result.median == pytest.approx(dist.median(), rel=1e-4)
    assert result.ppm_expected.below == pytest.approx(1e6 * dist.cdf(0.5), rel=1e-3)
    assert result.ppm_expected.above == pytest.approx(1e6 * dist.sf(80.0), rel=1e-3)
    assert result.plot.x_log


@pytest.mark.parametrize(("name", "oracle"), [
    ("gamma", lambda d: stats.gamma(*stats.gamma.fit(d, floc=0))),
    ("lognormal", lambda d: stats.lognorm(*stats.lognorm.fit(d, floc=0))),
    ("exponential", lambda d: stats.expon(*stats.expon.fit(d, floc=0))),
])  # fmt: skip
def test_other_families_percentile_indices_match_scipy(name: str, oracle) -> None:
    result = nonnormal_capability(WEIBULL_DATA, usl=90.0, lsl=0.2, distribution=name)
    pp, ppk = percentile_indices(oracle(WEIBULL_DATA), 90.0, 0.2)
    assert result.pp == pytest.approx(pp, rel=1e-4)
    assert result.ppk == pytest.approx(ppk, rel=1e-4)


def test_normal_percentile_indices_are_the_classic_pp_and_ppk() -> None:
    result = nonnormal_capability(NORMAL_DATA, usl=12.0, lsl=8.5, distribution="normal")
    classic = capability(NORMAL_DATA, usl=12.0, lsl=8.5)
    # 0.135 % is Φ(−3) rounded (Φ⁻¹(0.99865) = 2.99997), hence the 1e-4 tolerance.
    assert result.pp == pytest.approx(classic.pp, rel=1e-4)
    assert result.ppk == pytest.approx(classic.ppk, rel=1e-4)
    assert result.ppm_expected.total == pytest.approx(classic.ppm_overall.total, rel=1e-9)
    assert result.transformed is None


def test_boxcox_indices_on_the_transformed_scale_match_scipy_boxcox() -> None:
    transformed, lam = stats.boxcox(WEIBULL_DATA)
    result = nonnormal_capability(WEIBULL_DATA, usl=80.0, lsl=0.5, distribution="boxcox")
    mean, s = transformed.mean(), transformed.std(ddof=1)
    tusl, tlsl = stats.boxcox(np.array([80.0, 0.5]), lam)
    assert result.transformed is not None
    assert result.transformed.ppk == pytest.approx(
        min(tusl - mean, mean - tlsl) / (3 * s), rel=1e-4
    )
    # The percentiles are the normal model's quantiles taken back: X₉₉.₈₆₅ = T⁻¹(m + 3s).
    high = (1 + lam * (mean + stats.norm.ppf(0.99865) * s)) ** (1 / lam)
    assert result.percentile_high == pytest.approx(high, rel=1e-4)
    assert result.ppm_expected.below == pytest.approx(1e6 * stats.norm.cdf(tlsl, mean, s), rel=1e-3)


def test_a_user_lambda_is_used() -> None:
    result = nonnormal_capability(WEIBULL_DATA, usl=80.0, lsl=0.5, distribution="boxcox", lam=0.5)
    assert dict(result.parameters)["lambda"] == 0.5


def test_auto_chooses_the_best_fit_and_marks_it() -> None:
    result = nonnormal_capability(WEIBULL_DATA, usl=80.0, lsl=None)
    best = [row for row in result.fits if row.best]
    assert len(best) == 1
    assert best[0].distribution == result.distribution
    assert result.requested == "auto"
    ranked = sorted(
        (row for row in result.fits if row.p_value is not None),
        key=lambda row: row.p_value or 0.0,
    )
    assert best[0].p_value == ranked[-1].p_value
    assert result.one_sided
    assert result.pp is None
    assert result.ppl is None


def test_negative_values_leave_the_positive_families_out_of_auto() -> None:
    data = NORMAL_DATA - 10.0
    result = nonnormal_capability(data, usl=2.0, lsl=-2.0)
    errors = {row.distribution: row.error for row in result.fits if row.error}
    assert set(errors) == {"lognormal", "weibull", "exponential", "gamma", "boxcox"}
    assert result.distribution in ("normal", "johnson")


@pytest.mark.parametrize("name", ["boxcox", "lognormal", "weibull", "gamma", "exponential"])
def test_choosing_a_positive_family_for_non_positive_data_is_a_clear_error(name: str) -> None:
    with pytest.raises(InputError) as info:
        nonnormal_capability(NORMAL_DATA - 10.0, usl=2.0, lsl=-2.0, distribution=name)
    assert info.value.field == "distribution"
    assert "needs positive values" in info.value.message


def test_too_few_values_unknown_names_and_bad_lambda_are_refused() -> None:
    with pytest.raises(InputError, match="at least 10 values"):
        nonnormal_capability(NORMAL_DATA[:9], usl=12.0, lsl=8.0)
    with pytest.raises(InputError) as info:
        nonnormal_capability(NORMAL_DATA, usl=12.0, lsl=8.0, distribution="cauchy")
    assert info.value.field == "distribution"
    with pytest.raises(InputError) as info:
        nonnormal_capability(NORMAL_DATA, usl=12.0, lsl=8.0, distribution="boxcox", lam=9.0)
    assert info.value.field == "lambda"
    with pytest.raises(ZeroSpreadError):
        nonnormal_capability(np.full(20, 3.0), usl=12.0, lsl=1.0)
    with pytest.raises(InputError):
        nonnormal_capability(NORMAL_DATA, usl=None, lsl=None)


@pytest.mark.parametrize("name", ["normal", "johnson", "boxcox", "weibull", "gamma", "lognormal"])
def test_every_number_is_finite_even_with_limits_far_outside(name: str) -> None:
    result = nonnormal_capability(WEIBULL_DATA, usl=1e6, lsl=1e-9, distribution=name)
    for value in (result.pp, result.ppk, result.ppm_expected.total, result.median):
        assert value is not None
        assert math.isfinite(value)
    assert all(math.isfinite(v) for v in (*result.plot.values, *result.plot.y, *result.plot.line_x))


def test_the_chosen_models_plot_line_passes_through_its_quantiles() -> None:
    result = nonnormal_capability(WEIBULL_DATA, usl=80.0, lsl=0.5, distribution="weibull")
    c, _, scale = stats.weibull_min.fit(WEIBULL_DATA, floc=0)
    # Weibull scale: y = ln(−ln(1 − p)) at the line's ends gives x = F⁻¹(p).
    for x, y in zip(result.plot.line_x, result.plot.line_y, strict=True):
        p = -math.expm1(-math.exp(y))
        assert x == pytest.approx(stats.weibull_min.ppf(p, c, scale=scale), rel=1e-4)


def test_a_fitting_model_gives_the_percentile_verdict() -> None:
    result = capability(WEIBULL_DATA, usl=150.0, lsl=None)
    chosen = nonnormal_capability(WEIBULL_DATA, usl=150.0, lsl=None, distribution="weibull")
    assessment = assess_nonnormal(result, STABLE, chosen)
    assert chosen.acceptable
    assert assessment.verdict == chosen.index_verdict
    assert assessment.headline.startswith(f"{chosen.index_verdict.capitalize()} (Ppk")
    assert "Weibull" in assessment.headline


def test_a_rejected_model_gives_the_poor_fit_verdict() -> None:
    result = capability(WEIBULL_DATA, usl=150.0, lsl=None)
    chosen = nonnormal_capability(WEIBULL_DATA, usl=150.0, lsl=None, distribution="exponential")
    assessment = assess_nonnormal(result, STABLE, chosen)
    assert not chosen.acceptable
    assert assessment.verdict == POOR_FIT
    assert any("best fit" in w for w in assessment.warnings)
    unstable = Stability(open_violations=2, beyond_limits=0, judged=120, points=120)
    assert assess_nonnormal(result, unstable, chosen).verdict == "not in control"
