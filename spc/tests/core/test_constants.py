"""Control chart constants against the printed table and against their definitions.

Printed rows: Montgomery, *Introduction to Statistical Quality Control* (6th ed.), Appendix
Table VI, which reproduces ASTM E2587 / ASTM STP 15D. The definitions (d2 as the mean
and d3 as the standard deviation of the range of n standard normal values; c4 from the
gamma function) are integrated numerically here, independently of the table.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from scipy import integrate, stats

from spc.core import constants

# n: (A2, A3, c4, B3, B4, d2, d3, D3, D4) as printed.
PRINTED = {
    2: (1.880, 2.659, 0.7979, 0.0, 3.267, 1.128, 0.853, 0.0, 3.267),
    3: (1.023, 1.954, 0.8862, 0.0, 2.568, 1.693, 0.888, 0.0, 2.574),
    4: (0.729, 1.628, 0.9213, 0.0, 2.266, 2.059, 0.880, 0.0, 2.282),
    5: (0.577, 1.427, 0.9400, 0.0, 2.089, 2.326, 0.864, 0.0, 2.114),
    6: (0.483, 1.287, 0.9515, 0.030, 1.970, 2.534, 0.848, 0.0, 2.004),
    7: (0.419, 1.182, 0.9594, 0.118, 1.882, 2.704, 0.833, 0.076, 1.924),
    10: (0.308, 0.975, 0.9727, 0.284, 1.716, 3.078, 0.797, 0.223, 1.777),
    15: (0.223, 0.789, 0.9823, 0.428, 1.572, 3.472, 0.756, 0.347, 1.653),
    20: (0.180, 0.680, 0.9869, 0.510, 1.490, 3.735, 0.729, 0.415, 1.585),
    25: (0.153, 0.606, 0.9896, 0.565, 1.435, 3.931, 0.708, 0.459, 1.541),
}
ACCESSORS = (
    constants.a2,
    constants.a3,
    constants.c4,
    constants.b3,
    constants.b4,
    constants.d2,
    constants.d3,
    constants.d3_factor,
    constants.d4_factor,
)
ALL_N = range(2, 26)


@pytest.mark.parametrize("n", sorted(PRINTED))
def test_printed_rows(n: int) -> None:
    got = tuple(f(n) for f in ACCESSORS)
    assert got == pytest.approx(PRINTED[n], abs=1e-12)


@pytest.mark.parametrize("accessor", ACCESSORS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("n", [0, 1, 26, 100])
def test_outside_the_table_is_a_value_error(accessor, n: int) -> None:
    with pytest.raises(ValueError, match=r"n = 2\.\.25"):
        accessor(n)


@functools.cache
def _d2_integral(n: int) -> float:
    # E[R] = integral of 1 - Phi(x)^n - (1 - Phi(x))^n over the real line.
    def integrand(x: float) -> float:
        return 1 - stats.norm.cdf(x) ** n - stats.norm.sf(x) ** n

    return integrate.quad(integrand, -12, 12, limit=200)[0]


def _d3_integral(n: int) -> float:
    # E[R^2] = 2 * double integral over x < y of
    # 1 - Phi(y)^n - (1 - Phi(x))^n + (Phi(y) - Phi(x))^n  (Tippett 1925), by the
    # trapezoid rule on a fine grid (the integrand is smooth and vanishes in the tails).
    grid = np.linspace(-8.0, 8.0, 1601)
    step = grid[1] - grid[0]
    cdf = stats.norm.cdf(grid)
    fx, fy = cdf[:, None], cdf[None, :]
    upper = np.triu(1 - fy**n - (1 - fx) ** n + (fy - fx) ** n)
    weights = np.ones_like(grid)
    weights[[0, -1]] = 0.5
    surface = weights[:, None] * weights[None, :] * upper
    # On the diagonal the triangle's trapezoid weight is half the square's.
    surface[np.diag_indices_from(surface)] *= 0.5
    second = 2 * surface.sum() * step * step
    return math.sqrt(second - _d2_integral(n) ** 2)


@pytest.mark.parametrize("n", ALL_N)
def test_d2_is_the_mean_relative_range(n: int) -> None:
    assert constants.d2(n) == pytest.approx(_d2_integral(n), abs=5e-4)


@pytest.mark.parametrize("n", ALL_N)
def test_d3_is_the_standard_deviation_of_the_relative_range(n: int) -> None:
    # The printed d3(19) = 0.734 is one unit high in the last digit: the integral gives
    # 0.73348. The product keeps the printed value (it must agree with the textbook).
    tolerance = 1e-3 if n == 19 else 5e-4
    assert constants.d3(n) == pytest.approx(_d3_integral(n), abs=tolerance)


@pytest.mark.parametrize("n", ALL_N)
def test_c4_table_agrees_with_the_gamma_formula(n: int) -> None:
    assert constants.c4(n) == pytest.approx(constants.c4_exact(n), abs=5e-5)


def test_c4_exact_beyond_the_table() -> None:
    # c4 -> 1 - 1/(4n) asymptotically; at n = 100 the exact value is 0.997478...
    assert constants.c4_exact(100) == pytest.approx(0.997478, abs=1e-6)
    assert constants.c4_exact(2) == pytest.approx(math.sqrt(2 / math.pi), abs=1e-12)
    with pytest.raises(ValueError, match="n >= 2"):
        constants.c4_exact(1)


@pytest.mark.parametrize("n", ALL_N)
def test_factors_follow_from_d2_d3_c4_to_the_printed_digit(n: int) -> None:
    # The derived factors were printed from unrounded d2, d3, c4. d2 and c4 are exact
    # here; d3 is the printed value, so D3 and D4 allow for its rounding (3 * 0.0005 / d2
    # plus half a unit of the printed digit).
    d2, d3, c4 = _d2_integral(n), constants.d3(n), constants.c4_exact(n)
    root = math.sqrt(n)
    s_width = 3 * math.sqrt(1 - c4**2) / c4
    assert constants.a2(n) == pytest.approx(3 / (d2 * root), abs=1.5e-3)
    assert constants.a3(n) == pytest.approx(3 / (c4 * root), abs=1.5e-3)
    assert constants.d3_factor(n) == pytest.approx(max(0.0, 1 - 3 * d3 / d2), abs=2e-3)
    assert constants.d4_factor(n) == pytest.approx(1 + 3 * d3 / d2, abs=2e-3)
    assert constants.b3(n) == pytest.approx(max(0.0, 1 - s_width), abs=1.5e-3)
    assert constants.b4(n) == pytest.approx(1 + s_width, abs=1.5e-3)
