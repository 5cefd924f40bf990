"""Linearity and bias, Type 1 and gauge capability against published values."""

from __future__ import annotations

import math

import pytest

from msa.tests.core.reference_data import AIAG_LINEARITY, MONTGOMERY_8_7
from spc.core.errors import InputError
from spc.core.msa.linearity import linearity_study
from spc.core.msa.repeatability import gauge_capability
from spc.core.msa.type1 import type1_study


def test_aiag_linearity_example_matches_the_manual_and_minitab():
    # AIAG MSA 4th ed. linearity example: bias = 0.7367 − 0.1317·reference, R² = 0.71,
    # s = 0.23954, t(slope) = −12.043, t(intercept) = 10.158.
    # Minitab "Example of Gage Linearity and Bias Study" (GAGELIN.MTW, process variation
    # 14.1941): Constant 0.73667 (SE 0.07252), Slope −0.131667 (SE 0.01093), S 0.23954,
    # R-Sq 71.4 %, Linearity 1.86889, %Linearity 13.2; bias average −0.053333 (%Bias 0.4),
    # references 2/4/6/8/10: 0.491667, 0.125, 0.025, −0.291667, −0.616667
    # (%Bias 3.5, 0.9, 0.2, 2.1, 4.3).
    r = linearity_study(AIAG_LINEARITY, process_variation=14.1941)
    assert r.intercept == pytest.approx(0.73667, abs=5e-6)
    assert r.slope == pytest.approx(-0.131667, abs=5e-7)
    assert r.se_intercept == pytest.approx(0.07252, abs=5e-6)
    assert r.se_slope == pytest.approx(0.01093, abs=5e-6)
    assert r.s == pytest.approx(0.23954, abs=5e-6)
    assert 100 * r.r_squared == pytest.approx(71.4, abs=0.05)
    assert r.t_slope == pytest.approx(-12.043, abs=5e-4)
    assert r.t_intercept == pytest.approx(10.158, abs=5e-4)
    assert r.linearity == pytest.approx(1.86889, abs=5e-6)
    assert r.pct_linearity == pytest.approx(13.2, abs=0.05)
    assert r.average_bias == pytest.approx(-0.053333, abs=5e-7)
    assert r.pct_average_bias == pytest.approx(0.4, abs=0.05)
    published = [(0.491667, 3.5), (0.125, 0.9), (0.025, 0.2), (-0.291667, 2.1), (-0.616667, 4.3)]
    for row, (bias, pct) in zip(r.biases, published, strict=True):
        assert row.bias == pytest.approx(bias, abs=5e-7)
        assert row.pct_bias == pytest.approx(pct, abs=0.05)
    # The slope is significant (p ≈ 0 in both sources): the gauge is not linear.
    assert r.p_slope < 0.001
    assert len(r.points) == 60


def test_linearity_needs_two_references():
    with pytest.raises(InputError) as err:
        linearity_study({2.0: [2.1, 2.2]})
    assert err.value.field == "references"


def test_montgomery_example_8_7_gauge_capability():
    # Montgomery, Introduction to SQC, Example 8.7: x̄̄ = 22.3, R̄ = 1.0,
    # σ̂_gauge = R̄/d₂ = 1.0/1.128 = 0.887, P/T = 6(0.887)/(60 − 5) = 0.097;
    # s_total = 3.17 so σ̂²_total = 10.05 and σ̂²_P = 10.05 − 0.79 = 9.26.
    r = gauge_capability(MONTGOMERY_8_7, tolerance=60 - 5)
    assert r.grand_mean == pytest.approx(22.3, abs=0.05)
    assert r.r_bar == pytest.approx(1.0, abs=0.05)
    assert r.sigma_gauge == pytest.approx(0.887, abs=5e-4)
    assert r.p_to_t == pytest.approx(0.097, abs=5e-4)
    assert r.sigma_total == pytest.approx(3.17, abs=5e-3)
    # Montgomery squares the rounded s = 3.17 (±0.005 → ±0.032 in s²) and σ̂ = 0.887.
    assert r.variance_part == pytest.approx(9.26, abs=0.035)


def test_type1_study_by_its_formulas():
    # Independent hand calculation (Minitab's Type 1 formulas): readings 9.99 and 10.01
    # five times each: x̄ = 10.00, s = 0.01·√(10/9) = 0.0105409; reference 9.998 →
    # bias 0.002, t = 0.002 / (s/√10) = 0.6; tolerance 0.4, K = 20, L = 6:
    # Cg = 0.08 / (6 s) = 1.26491, Cgk = (0.04 − 0.002) / (3 s) = 1.20167.
    readings = [9.99, 10.01] * 5
    r = type1_study(readings, reference=9.998, tolerance=0.4)
    s = 0.01 * math.sqrt(10 / 9)
    assert r.std_dev == pytest.approx(s)
    assert r.bias == pytest.approx(0.002)
    assert r.t == pytest.approx(0.6)
    assert r.cg == pytest.approx(1.26491, abs=5e-6)
    assert r.cgk == pytest.approx(1.20167, abs=5e-6)
    assert r.pct_var_repeatability == pytest.approx(20 / 1.26491, abs=1e-3)
    assert (r.lower_band, r.upper_band) == pytest.approx((9.958, 10.038))
    # Two-sided p of t = 0.6 with 9 df is 0.5633 (t tables).
    assert r.p_value == pytest.approx(0.5633, abs=5e-4)


def test_type1_without_reference_is_refused():
    with pytest.raises(InputError) as err:
        type1_study([1.0] * 10, reference=None, tolerance=1.0)
    assert err.value.field == "reference"


def test_type1_with_identical_readings_is_refused_not_divided_by_zero():
    with pytest.raises(InputError, match="resolution"):
        type1_study([1.0] * 10, reference=1.0, tolerance=1.0)


def test_type1_with_cgk_below_zero_has_no_percent_var():
    r = type1_study([9.99, 10.01] * 5, reference=9.9, tolerance=0.4)
    assert r.cgk < 0
    assert r.pct_var_repeatability_bias is None
