"""Box-Cox and Johnson transformations against published definitions and scipy.stats.

* Box-Cox λ: the maximum-likelihood λ of Box & Cox (1964), the same λ that
  ``scipy.stats.boxcox`` (``boxcox_normmax(method="mle")``) returns; Minitab's rounded λ
  is "the optimal lambda rounded to 0.5 or the nearest integer" (Minitab Support, "Specify
  a Box-Cox transformation for Individual Distribution Identification").
* Johnson: Slifker & Shapiro's (1980) closed forms recover a Johnson curve exactly from
  four of its quantiles; the oracle's quantiles and parameters come from
  ``scipy.stats.johnsonsu``, ``johnsonsb`` and ``lognorm`` (SL with a threshold).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import special, stats

from spc.core.errors import InputError
from spc.core.nonnormal.boxcox import (
    boxcox,
    boxcox_lambda,
    fit_boxcox,
    inverse_boxcox,
    rounded_lambda,
)
from spc.core.nonnormal.johnson import SB, SL, SU, JohnsonCurve, curves_for, fit_johnson

BALL_BEARINGS = np.array(
    [17.88, 28.92, 33.00, 41.52, 42.12, 45.60, 48.48, 51.84, 51.96, 54.12, 55.56, 67.80,
     68.64, 68.64, 68.88, 84.12, 93.12, 98.64, 105.12, 105.84, 127.92, 128.04, 173.40]
)  # fmt: skip


@pytest.mark.parametrize("seed", range(6))
def test_boxcox_lambda_agrees_with_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    data = [
        rng.lognormal(2, 0.5, 50),
        rng.gamma(3, 2, 200),
        rng.weibull(1.3, 30) + 0.1,
        rng.normal(100, 5, 400),
        rng.uniform(1, 2, 80),
        rng.exponential(1, 25),
    ][seed]
    _, expected = stats.boxcox(data)
    assert boxcox_lambda(np.sort(data)) == pytest.approx(expected, abs=1e-5)
    assert boxcox(data, expected) == pytest.approx(stats.boxcox(data, expected), rel=1e-9)


def test_boxcox_of_the_ball_bearings_rounds_to_the_log() -> None:
    # scipy.stats.boxcox gives λ = 0.19 for Lieblein & Zelen's bearings; Minitab's rounding
    # to the nearest 0.5 gives 0 (the logarithm).
    model = fit_boxcox(BALL_BEARINGS)
    params = dict(model.parameters)
    assert params["lambda"] == pytest.approx(stats.boxcox(BALL_BEARINGS)[1], abs=1e-5)
    assert params["rounded_lambda"] == 0.0


@pytest.mark.parametrize(("lam", "rounded"), [(0.19, 0.0), (0.26, 0.5), (-0.8, -1.0), (1.9, 2.0)])
def test_rounded_lambda_is_the_nearest_half(lam: float, rounded: float) -> None:
    assert rounded_lambda(lam) == rounded


def test_a_chosen_lambda_is_used_and_checked() -> None:
    model = fit_boxcox(BALL_BEARINGS, 0.0)
    assert dict(model.parameters)["lambda"] == 0.0
    logs = np.log(BALL_BEARINGS)
    assert model.transformation is not None
    assert model.transformation.mean == pytest.approx(logs.mean())
    assert model.transformation.sigma == pytest.approx(logs.std(ddof=1))
    with pytest.raises(InputError) as info:
        fit_boxcox(BALL_BEARINGS, 7.0)
    assert info.value.field == "lambda"


def test_boxcox_refuses_non_positive_values_with_a_clear_message() -> None:
    with pytest.raises(InputError) as info:
        fit_boxcox(np.r_[0.0, BALL_BEARINGS])
    assert info.value.field == "distribution"
    assert "Box-Cox transformation needs positive values" in info.value.message


ORACLES = [
    (stats.johnsonsu(a=-1.2, b=1.7, loc=3.0, scale=2.0), SU, (-1.2, 1.7, 3.0, 2.0)),
    (stats.johnsonsu(a=0.5, b=0.9, loc=-4.0, scale=0.3), SU, (0.5, 0.9, -4.0, 0.3)),
    (stats.johnsonsb(a=0.8, b=1.3, loc=1.0, scale=5.0), SB, (0.8, 1.3, 1.0, 5.0)),
    (stats.johnsonsb(a=-0.4, b=2.2, loc=-2.0, scale=0.5), SB, (-0.4, 2.2, -2.0, 0.5)),
    # SL: ln(x − ε) ~ N(ln scale, s²) → η = 1/s, γ = −ln(scale)/s.
    (stats.lognorm(s=0.5, loc=2.0, scale=3.0), SL, (-np.log(3.0) / 0.5, 2.0, 2.0, None)),
]


@pytest.mark.parametrize(("dist", "family", "expected"), ORACLES)
@pytest.mark.parametrize("z", [0.3, 0.7, 1.2])
def test_slifker_shapiro_recovers_a_johnson_curve_from_its_quantiles(
    dist, family: str, expected: tuple[float, ...], z: float
) -> None:
    quantiles = dist.ppf(special.ndtr(np.array([-3 * z, -z, z, 3 * z])))
    curve = next(c for c in curves_for(z, quantiles) if c.family == family)
    gamma, eta, epsilon, lam = expected
    assert curve.gamma == pytest.approx(gamma, abs=1e-7)
    assert curve.eta == pytest.approx(eta, rel=1e-7)
    assert curve.epsilon == pytest.approx(epsilon, abs=1e-7)
    if lam is not None:
        assert curve.lam == pytest.approx(lam, rel=1e-7)


@pytest.mark.parametrize(("dist", "family"), [(ORACLES[0][0], SU), (ORACLES[2][0], SB)])
def test_johnson_selection_finds_the_family_of_a_large_sample(dist, family: str) -> None:
    data = np.sort(dist.rvs(size=5000, random_state=np.random.default_rng(3)))
    model = fit_johnson(data)
    assert model.transformation is not None
    assert model.transformation.family == family
    assert model.goodness.p_value > 0.05
    # The transformed values are close to N(0, 1), the Johnson model's promise.
    assert model.transformation.mean == pytest.approx(0.0, abs=0.05)
    assert model.transformation.sigma == pytest.approx(1.0, abs=0.05)


def test_johnson_refuses_values_with_no_usable_percentiles() -> None:
    with pytest.raises(InputError) as info:
        fit_johnson(np.sort(np.r_[np.zeros(40), [1.0, 2.0]]))
    assert info.value.field == "distribution"


finite = st.floats(min_value=1e-3, max_value=1e4, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(x=st.lists(finite, min_size=1, max_size=20), lam=st.floats(min_value=-3, max_value=3))
def test_boxcox_round_trips(x: list[float], lam: float) -> None:
    values = np.asarray(x)
    # (x^λ − 1)/λ keeps x only in x^λ's distance from 1 when x^λ is tiny (λ < 0, large
    # x): below x^λ = 1e-6 the float itself cannot hold x to 1e-7, whatever the inverse.
    assume(bool(np.all(lam * np.log(values) > np.log(1e-6))))
    back = inverse_boxcox(boxcox(values, lam), lam)
    assert back == pytest.approx(values, rel=1e-7)


curve_params = st.tuples(
    st.floats(min_value=-3, max_value=3),  # gamma
    st.floats(min_value=0.2, max_value=5),  # eta
    st.floats(min_value=-50, max_value=50),  # epsilon
    st.floats(min_value=0.1, max_value=100),  # lambda
)


@settings(max_examples=200, deadline=None)
@given(
    params=curve_params,
    family=st.sampled_from([SU, SB, SL]),
    shares=st.lists(st.floats(min_value=0.01, max_value=0.99), min_size=1, max_size=10),
)
def test_each_johnson_family_round_trips(
    params: tuple[float, float, float, float], family: str, shares: list[float]
) -> None:
    gamma, eta, epsilon, lam = params
    curve = JohnsonCurve(family, gamma, eta, epsilon, lam if family != SL else 1.0)
    # Points inside the support: SB (ε, ε + λ); SL (ε, ε + λ] as a span above ε; SU any.
    span = np.asarray(shares) * (2 if family == SU else 1) - (1 if family == SU else 0)
    x = epsilon + lam * span
    back = curve.inverse(curve.forward(x))
    assert back == pytest.approx(x, rel=1e-6, abs=1e-6 * lam)
