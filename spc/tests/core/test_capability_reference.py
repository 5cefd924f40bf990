"""Capability core against published values, each with its source and tolerance.

Where a source prints only summary statistics (mean, s), the test builds a data set with
exactly that mean and standard deviation (an affine map of arbitrary values), so the
capability function sees raw values whose statistics equal the published ones. The
shared validation file (`shared/validation/reference-cases.json`) holds no capability
cases yet; these are the textbook ones.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from spc.core.capability import anderson_darling, anderson_darling_p_value, capability


def with_mean_and_sd(n: int, mean: float, sd: float, seed: int = 1) -> np.ndarray:
    """n values whose sample mean and sample standard deviation are exactly mean and sd."""
    raw = np.random.default_rng(seed).normal(size=n)
    return mean + sd * (raw - raw.mean()) / raw.std(ddof=1)


def test_montgomery_bottle_bursting_strength_one_sided_cpl() -> None:
    # Montgomery, Introduction to SQC, 6th ed., §8.3.1 (glass-bottle bursting strength,
    # 100 bottles): x̄ = 264.06 psi, s = 32.02 psi, LSL = 200 psi → Ĉpl = 0.67.
    values = with_mean_and_sd(100, 264.06, 32.02)
    result = capability(values, usl=None, lsl=200.0, sigma_within=32.02)
    assert result.cpl == pytest.approx(0.67, abs=0.005)
    assert result.cpk == pytest.approx(0.67, abs=0.005)
    assert result.ppl == pytest.approx(0.67, abs=0.005)
    assert result.cp is None
    assert result.one_sided
    assert result.verdict == "not capable"


def test_montgomery_piston_ring_cp() -> None:
    # Montgomery, 6th ed., §6.2.1 (piston-ring inside diameter): specs 74.000 ± 0.05 mm,
    # σ̂ = R̄/d2 = 0.023/2.326 = 0.0099 → Ĉp = 0.10/(6 × 0.0099) = 1.68.
    values = with_mean_and_sd(125, 74.001, 0.0100)
    result = capability(values, usl=74.05, lsl=73.95, sigma_within=0.0099)
    assert result.cp == pytest.approx(1.68, abs=0.005)


def test_montgomery_bissell_interval_for_cpk() -> None:
    # Montgomery, 6th ed., §8.3.5 (Example 8.5): n = 20, Ĉpk = 1.33 → the approximate
    # 95 % interval (Bissell 1990) is 0.88 ≤ Cpk ≤ 1.78.
    values = with_mean_and_sd(20, 0.0, 1.0)
    result = capability(values, usl=3.99, lsl=-3.99, sigma_within=1.0)
    assert result.cpk == pytest.approx(1.33, abs=1e-9)
    assert result.cpk_lower == pytest.approx(0.88, abs=0.005)
    assert result.cpk_upper == pytest.approx(1.78, abs=0.005)


@pytest.mark.parametrize(
    ("adjusted_statistic", "significance"),
    [(0.631, 0.10), (0.752, 0.05), (0.873, 0.025), (1.035, 0.01)],
)
def test_anderson_darling_p_value_at_published_critical_points(
    adjusted_statistic: float, significance: float
) -> None:
    # D'Agostino & Stephens (1986), Goodness-of-Fit Techniques, Table 4.7, case 3 (mean
    # and variance estimated): upper-tail percentage points of A*² = A²(1 + .75/n + 2.25/n²).
    n = 50
    raw = adjusted_statistic / (1 + 0.75 / n + 2.25 / n**2)
    assert anderson_darling_p_value(raw, n) == pytest.approx(significance, rel=0.03)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_anderson_darling_statistic_matches_scipy(seed: int) -> None:
    values = np.random.default_rng(seed).normal(50.0, 3.0, 200)
    expected = stats.anderson(values, dist="norm", method="interpolate").statistic
    assert anderson_darling(values).statistic == pytest.approx(expected, rel=1e-9)


def test_anderson_darling_rejects_exponential_data() -> None:
    values = np.random.default_rng(4).exponential(1.0, 200)
    result = anderson_darling(values)
    assert result.statistic == pytest.approx(stats.anderson(values, method="interpolate").statistic)
    assert result.p_value < 0.005
    assert not result.is_normal


def test_anderson_darling_accepts_normal_quantiles() -> None:
    # Exact normal quantiles are as normal as a sample can look: A² is tiny, p near 1.
    n = 100
    values = stats.norm.ppf((np.arange(1, n + 1) - 0.375) / (n + 0.25))
    result = anderson_darling(values)
    assert result.statistic < 0.2
    assert result.is_normal
    assert result.p_value > 0.9


def test_cpm_matches_nist_population_formula_for_large_samples() -> None:
    # NIST/SEMATECH e-Handbook §6.1.6: Cpm = (USL − LSL)/(6·sqrt(σ² + (μ − T)²)). With
    # USL = 20, LSL = 8, T = 14, μ = 16, σ = 2: Cpm = 12/(6·sqrt(8)) = 0.7071. Our sample
    # estimator divides Σ(x − T)² by n − 1, so at n = 10 000 it agrees within 1e-4.
    values = with_mean_and_sd(10_000, 16.0, 2.0)
    result = capability(values, usl=20.0, lsl=8.0, target=14.0, sigma_within=2.0)
    assert result.cpm == pytest.approx(12 / (6 * math.sqrt(8)), abs=1e-4)
    # Same source, same process: Cp = 12/12 = 1, Cpk = min(4, 8)/6 = 0.6667.
    assert result.cp == pytest.approx(1.0)
    assert result.cpk == pytest.approx(0.6667, abs=5e-5)
