"""Hotelling T² in the pure core against published values.

Sources of the reference data (expected numbers are never taken from the code under test):

* Montgomery, *Introduction to Statistical Quality Control*, 6th ed., Example 11.1 (tensile
  strength and diameter of a textile fiber: p = 2, m = 20 subgroups of n = 10, α = 0.001):
  phase I UCL 13.72 and phase II UCL 15.16 (F₀.₀₀₁,₂,₁₇₉ = 7.18), printed to two decimals.
* Ryan, *Statistical Methods for Quality Improvement*, 3rd ed. (2011), Table 9.2: 20
  subgroups of 4 for two variables, with the T² values, grand mean, pooled covariance and
  limits the independent R package qcc (Scrucca; ``stats.T2``/``limits.T2``, test
  snapshot ``tests/testthat/_snaps/spc.t2.md``) prints for them.
* Mason & Young, *Multivariate Statistical Process Control with Industrial Applications*
  (SIAM 2002): the boiler data, 25 individual observations of 8 temperatures, with the T²
  values and phase I (beta) / phase II (F) limits qcc prints (``stats.T2.single``,
  ``limits.T2.single``, snapshot ``_snaps/spc.t2single.md``).
* scipy.stats beta/f as the oracle for the limit formulas, numpy.linalg for T².
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from spc.core.errors import InputError
from spc.core.hotelling import (
    contributions,
    fit_individuals,
    fit_subgroups,
    phase_one_ucl,
    phase_two_ucl,
    t_squared,
    top_contributors,
)

RYAN_X1 = [
    (72, 84, 79, 49),
    (56, 87, 33, 42),
    (55, 73, 22, 60),
    (44, 80, 54, 74),
    (97, 26, 48, 58),
    (83, 89, 91, 62),
    (47, 66, 53, 58),
    (88, 50, 84, 69),
    (57, 47, 41, 46),
    (26, 39, 52, 48),
    (46, 27, 63, 34),
    (49, 62, 78, 87),
    (71, 63, 82, 55),
    (71, 58, 69, 70),
    (67, 69, 70, 94),
    (55, 63, 72, 49),
    (49, 51, 55, 76),
    (72, 80, 61, 59),
    (61, 74, 62, 57),
    (35, 38, 41, 46),
]
RYAN_X2 = [
    (23, 30, 28, 10),
    (14, 31, 8, 9),
    (13, 22, 6, 16),
    (9, 28, 15, 25),
    (36, 10, 14, 15),
    (30, 35, 36, 18),
    (12, 18, 14, 16),
    (31, 11, 30, 19),
    (14, 10, 8, 10),
    (7, 11, 35, 30),
    (10, 8, 19, 9),
    (11, 20, 27, 31),
    (22, 16, 31, 15),
    (21, 19, 17, 20),
    (18, 19, 18, 35),
    (15, 16, 20, 12),
    (13, 14, 16, 26),
    (22, 28, 18, 17),
    (19, 20, 16, 14),
    (10, 11, 13, 16),
]
RYAN_T2 = [
    2.2416049,
    0.6526961,
    1.2721838,
    0.2201051,
    1.5279379,
    8.9818106,
    1.3202064,
    3.7735512,
    4.9485068,
    63.7604214,
    6.5509515,
    1.3673783,
    1.3632266,
    3.2560891,
    7.4098614,
    2.7638358,
    0.1242926,
    1.3265434,
    3.5038558,
    13.0376172,
]

BOILER = [
    (507, 516, 527, 516, 499, 512, 472, 477),
    (512, 513, 533, 518, 502, 510, 476, 475),
    (520, 512, 537, 518, 503, 512, 480, 477),
    (520, 514, 538, 516, 504, 517, 480, 479),
    (530, 515, 542, 525, 504, 512, 481, 477),
    (528, 516, 541, 524, 505, 514, 482, 480),
    (522, 513, 537, 518, 503, 512, 479, 477),
    (527, 509, 537, 521, 504, 508, 478, 472),
    (533, 514, 528, 529, 508, 512, 482, 477),
    (530, 512, 538, 524, 507, 512, 482, 477),
    (530, 512, 541, 525, 507, 511, 482, 476),
    (527, 513, 541, 523, 506, 512, 481, 476),
    (529, 514, 542, 525, 506, 512, 481, 477),
    (522, 509, 539, 518, 501, 510, 476, 475),
    (532, 515, 545, 528, 507, 511, 481, 478),
    (531, 514, 543, 525, 507, 511, 482, 477),
    (535, 514, 542, 530, 509, 511, 483, 477),
    (516, 515, 537, 515, 501, 516, 476, 481),
    (514, 510, 532, 512, 497, 512, 471, 476),
    (536, 512, 540, 526, 509, 512, 482, 477),
    (522, 514, 540, 518, 497, 514, 475, 478),
    (520, 514, 540, 518, 501, 514, 475, 478),
    (526, 517, 546, 522, 502, 516, 477, 480),
    (527, 514, 543, 523, 502, 512, 475, 476),
    (529, 518, 544, 525, 504, 516, 479, 481),
]
BOILER_T2 = [
    13.963962,
    9.779084,
    5.472671,
    14.740980,
    6.575786,
    5.305689,
    7.885241,
    9.775744,
    17.575293,
    2.790673,
    3.288861,
    3.633027,
    1.316342,
    9.553244,
    7.074224,
    6.519739,
    4.771892,
    8.743873,
    9.835645,
    8.636003,
    12.580375,
    2.794043,
    6.088049,
    7.982572,
    5.316986,
]


def ryan_subgroups() -> list[list[tuple[float, float]]]:
    return [list(zip(a, b, strict=True)) for a, b in zip(RYAN_X1, RYAN_X2, strict=True)]


def test_montgomery_example_11_1_limits_for_twenty_subgroups_of_ten():
    # Montgomery 6th ed. Example 11.1: UCL phase I 13.72, phase II 15.16 (α = 0.001).
    assert phase_one_ucl(20, 2, 0.001, n=10) == pytest.approx(13.72, abs=0.005)
    assert phase_two_ucl(20, 2, 0.001, n=10) == pytest.approx(15.16, abs=0.01)


def test_ryan_subgrouped_t2_matches_the_published_statistics():
    model = fit_subgroups(ryan_subgroups())
    assert model.mean == pytest.approx((60.3750, 18.4875))
    assert model.covariance[0] == pytest.approx((222.0333, 103.11667), abs=1e-4)
    assert model.covariance[1] == pytest.approx((103.1167, 56.57917), abs=1e-4)
    means = [np.mean(group, axis=0) for group in ryan_subgroups()]
    assert [t_squared(model, x) for x in means] == pytest.approx(RYAN_T2, abs=1e-6)


def test_ryan_subgrouped_limits_match_the_published_limits():
    alpha = 1 - (1 - 0.0027) ** 2
    assert phase_one_ucl(20, 2, alpha, n=4) == pytest.approx(11.03976, abs=1e-5)
    assert phase_two_ucl(20, 2, alpha, n=4) == pytest.approx(12.20184, abs=1e-5)


def test_boiler_individual_t2_matches_the_published_statistics():
    model = fit_individuals(BOILER)
    assert [t_squared(model, x) for x in BOILER] == pytest.approx(BOILER_T2, abs=1e-5)


def test_boiler_individual_limits_match_beta_and_f_published_limits():
    assert phase_one_ucl(25, 8, 0.001) == pytest.approx(17.41705, abs=1e-5)
    assert phase_two_ucl(25, 8, 0.001) == pytest.approx(70.02943, abs=1e-5)


@pytest.mark.parametrize(("m", "p", "alpha"), [(30, 2, 0.0027), (50, 10, 0.01), (15, 3, 0.05)])
def test_individual_limits_agree_with_scipy_beta_and_f(m, p, alpha):
    beta = (m - 1) ** 2 / m * stats.beta(p / 2, (m - p - 1) / 2).isf(alpha)
    f = p * (m + 1) * (m - 1) / (m * (m - p)) * stats.f(p, m - p).isf(alpha)
    assert phase_one_ucl(m, p, alpha) == pytest.approx(beta, rel=1e-12)
    assert phase_two_ucl(m, p, alpha) == pytest.approx(f, rel=1e-12)


def test_t2_agrees_with_numpy_linalg_for_ten_variables():
    rng = np.random.default_rng(11)
    data = rng.multivariate_normal(np.arange(10.0), np.eye(10) + 0.5, size=60)
    model = fit_individuals(data.tolist())
    inverse = np.linalg.inv(np.cov(data, rowvar=False))
    for x in data[:10]:
        d = x - data.mean(axis=0)
        assert t_squared(model, x.tolist()) == pytest.approx(float(d @ inverse @ d), rel=1e-9)


def test_contributions_conditional_term_is_the_drop_when_the_variable_is_removed():
    model = fit_individuals(BOILER)
    x = (540, 520, 530, 516, 499, 512, 472, 477)
    total = t_squared(model, x)
    for term in contributions(model, x):
        keep = [i for i in range(8) if i != term.index]
        sub = fit_individuals([[row[i] for i in keep] for row in BOILER])
        assert total - t_squared(sub, [x[i] for i in keep]) == pytest.approx(term.conditional)
        var = np.var([row[term.index] for row in BOILER], ddof=1)
        mean = np.mean([row[term.index] for row in BOILER])
        assert term.unconditional == pytest.approx((x[term.index] - mean) ** 2 / var)


def test_top_contributors_names_the_shifted_variable_first():
    rng = np.random.default_rng(3)
    data = rng.normal(size=(40, 4))
    model = fit_individuals(data.tolist())
    point = list(model.mean)
    point[2] += 6.0
    assert top_contributors(contributions(model, point), 1) == [2]


def test_fit_refuses_too_few_observations_for_the_variables():
    with pytest.raises(InputError) as err:
        fit_individuals([[1.0, 2.0, 3.0], [2.0, 1.0, 0.0], [3.0, 3.0, 1.0]])
    assert err.value.field == "baseline"
    assert "more than 3" in err.value.message


def test_fit_refuses_collinear_variables():
    rng = np.random.default_rng(5)
    a = rng.normal(size=30)
    b = rng.normal(size=30)
    data = np.column_stack([a, b, 2 * a - 3 * b + 1])
    with pytest.raises(InputError, match="collinear"):
        fit_individuals(data.tolist())


def test_fit_refuses_a_variable_without_variation_and_names_it():
    with pytest.raises(InputError, match="Bore"):
        fit_individuals([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0], [4.0, 5.0]], names=["Torque", "Bore"])


def test_fit_refuses_non_finite_values_and_wrong_sizes():
    with pytest.raises(InputError):
        fit_individuals([[1.0, float("nan")], [2.0, 1.0], [3.0, 4.0]])
    with pytest.raises(InputError):
        fit_individuals([[1.0]] * 5)
    with pytest.raises(InputError):
        phase_one_ucl(20, 2, 1.5)


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(finite, min_size=3, max_size=3), min_size=6, max_size=20),
    st.lists(finite, min_size=3, max_size=3),
)
def test_t2_is_zero_at_the_mean_and_never_negative(rows, point):
    try:
        model = fit_individuals(rows)
    except InputError:
        return  # collinear or flat draws are refused, never NaN
    assert t_squared(model, model.mean) == pytest.approx(0.0, abs=1e-9)
    value = t_squared(model, point)
    assert value >= 0.0
    assert np.isfinite(value)
