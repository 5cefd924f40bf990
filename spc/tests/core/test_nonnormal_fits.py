"""Distribution fits of the non-normal capability core against published values and
scipy.stats as an independent oracle.

Published: the ball-bearing fatigue data (millions of revolutions to failure, 23 bearings)
of Lieblein & Zelen (1956), *J. Res. Nat. Bur. Standards* 57(5), 273–316, as analysed in
Lawless, *Statistical Models and Methods for Lifetime Data*, 2nd ed. (Wiley 2003),
chapter 5: Weibull MLE shape 2.102, scale 81.88; lognormal MLE μ = 4.150, σ = 0.522;
gamma MLE shape 4.025, scale 17.94.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from spc.core.errors import InputError
from spc.core.nonnormal.distributions import (
    fit_exponential,
    fit_gamma,
    fit_lognormal,
    fit_normal,
    fit_weibull,
    gamma_mle,
    weibull_mle,
)

BALL_BEARINGS = np.array(
    [17.88, 28.92, 33.00, 41.52, 42.12, 45.60, 48.48, 51.84, 51.96, 54.12, 55.56, 67.80,
     68.64, 68.64, 68.88, 84.12, 93.12, 98.64, 105.12, 105.84, 127.92, 128.04, 173.40]
)  # fmt: skip


def samples() -> list[np.ndarray]:
    rng = np.random.default_rng(20)
    return [
        np.sort(rng.weibull(1.7, 40) * 12.0),
        np.sort(rng.gamma(2.5, 3.0, 80)),
        np.sort(rng.lognormal(1.0, 0.4, 150)),
        np.sort(rng.exponential(4.0, 60)),
        np.sort(rng.normal(50.0, 2.0, 500)),
    ]


def test_weibull_mle_of_the_ball_bearings_matches_lawless() -> None:
    shape, scale = weibull_mle(BALL_BEARINGS)
    assert shape == pytest.approx(2.102, abs=0.0005)
    assert scale == pytest.approx(81.88, abs=0.005)


def test_lognormal_mle_of_the_ball_bearings_matches_lawless() -> None:
    params = dict(fit_lognormal(BALL_BEARINGS).parameters)
    assert params["location"] == pytest.approx(4.150, abs=0.0005)
    assert params["scale"] == pytest.approx(0.522, abs=0.0005)


def test_gamma_mle_of_the_ball_bearings_matches_lawless() -> None:
    shape, scale = gamma_mle(BALL_BEARINGS)
    assert shape == pytest.approx(4.025, abs=0.0005)
    assert scale == pytest.approx(17.94, abs=0.005)


@pytest.mark.parametrize("index", range(5))
def test_mle_parameters_agree_with_scipy_fits(index: int) -> None:
    # Oracle: scipy.stats.<dist>.fit with the location fixed at 0 (numerical optimiser).
    data = samples()[index]
    c, _, scale = stats.weibull_min.fit(data, floc=0)
    assert weibull_mle(data) == pytest.approx((c, scale), rel=1e-4)
    a, _, scale = stats.gamma.fit(data, floc=0)
    assert gamma_mle(data) == pytest.approx((a, scale), rel=1e-4)
    s, _, scale = stats.lognorm.fit(data, floc=0)
    params = dict(fit_lognormal(data).parameters)
    assert params["scale"] == pytest.approx(s, rel=1e-6)
    assert np.exp(params["location"]) == pytest.approx(scale, rel=1e-6)
    _, scale = stats.expon.fit(data, floc=0)
    assert dict(fit_exponential(data).parameters)["scale"] == pytest.approx(scale, rel=1e-9)


@pytest.mark.parametrize("index", range(5))
def test_anderson_darling_agrees_with_scipy_anderson(index: int) -> None:
    # Oracle: scipy.stats.anderson with interpolated p-values from Stephens' tables. A
    # 2-parameter Weibull in x is the smallest extreme value (gumbel_l) in ln x.
    data = samples()[index]
    normal = stats.anderson(data, dist="norm", method="interpolate")
    assert fit_normal(data).goodness.statistic == pytest.approx(normal.statistic, rel=1e-9)
    expon = stats.anderson(data, dist="expon", method="interpolate")
    fit = fit_exponential(data).goodness
    assert fit.statistic == pytest.approx(expon.statistic, rel=1e-9)
    assert fit.p_value == pytest.approx(expon.pvalue, abs=1e-9)
    gumbel = stats.anderson(np.log(data), dist="gumbel_l", method="interpolate")
    fit = fit_weibull(data).goodness
    assert fit.statistic == pytest.approx(gumbel.statistic, rel=1e-3)
    assert fit.p_value == pytest.approx(gumbel.pvalue, abs=2e-3)


def test_weibull_p_value_is_bounded_like_minitabs_table() -> None:
    # A Weibull sample fits: A*² below the 25 % point 0.474 → "p > 0.250".
    fit = fit_weibull(samples()[0]).goodness
    assert fit.p_bound == ">"
    assert fit.p_value == 0.25
    assert fit.text == "p > 0.250"
    # Normal data far from zero are no exponential: "p < 0.010".
    assert fit_exponential(samples()[4]).goodness.text == "p < 0.010"


def test_gamma_p_value_is_close_to_a_monte_carlo_oracle() -> None:
    # Oracle: scipy.stats.goodness_of_fit (parametric bootstrap of the AD statistic with
    # the shape and scale re-estimated in each sample). Our table errs towards smaller p.
    data = samples()[1][:40]
    ours = fit_gamma(data).goodness
    mc = stats.goodness_of_fit(
        stats.gamma, data, known_params={"loc": 0}, statistic="ad", n_mc_samples=300,
        rng=np.random.default_rng(5),
    )  # fmt: skip
    assert ours.statistic == pytest.approx(mc.statistic, rel=1e-3)
    if ours.p_bound == ">":
        assert mc.pvalue > 0.2
    else:
        assert abs(ours.p_value - mc.pvalue) < 0.1


@pytest.mark.parametrize("fit", [fit_lognormal, fit_weibull, fit_exponential, fit_gamma])
def test_positive_families_refuse_zero_or_negative_values(fit) -> None:
    data = np.sort(np.r_[samples()[0], [0.0, -1.0]])
    with pytest.raises(InputError) as info:
        fit(data)
    assert info.value.field == "distribution"
    assert "2 of 42 values are zero or negative" in info.value.message
