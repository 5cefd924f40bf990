"""EWMA and tabular CUSUM against Montgomery's worked examples.

Data: Montgomery, *Introduction to Statistical Quality Control* (6th ed.), Table 9.1 —
30 observations, the first 20 from N(10, 1), the last 10 after a shift to mean 11.
Example 9.1 runs a tabular CUSUM on them (mu0 = 10, sigma = 1, K = 0.5, H = 5;
computations in Table 9.2) and Example 9.2 an EWMA (lambda = 0.1, L = 2.7; Table 9.11).
"""

from __future__ import annotations

import math

import pytest

from spc.core.smallshift import (
    cusum_series,
    cusum_step,
    ewma_half_width,
    ewma_limits,
    ewma_series,
    ewma_step,
)

TABLE_9_1 = [9.45, 7.99, 9.29, 11.66, 12.16, 10.18, 8.04, 11.46, 9.20, 10.34]
TABLE_9_1 += [9.03, 11.47, 10.51, 9.40, 10.08, 9.37, 10.62, 10.31, 8.52, 10.84]
TABLE_9_1 += [10.90, 9.33, 12.29, 11.50, 10.60, 11.08, 10.38, 11.62, 11.31, 10.52]


def test_cusum_table_9_2() -> None:
    sums = cusum_series(TABLE_9_1, target=10.0, k=0.5)
    upper = [round(c, 2) for c, _ in sums]
    lower = [round(c, 2) for _, c in sums]
    # Printed: period 1 C- = 0.05, period 2 C- = 1.56, period 3 C- = 1.77; period 4
    # C+ = 1.16, period 5 C+ = 2.82; C+ exceeds H = 5 first at period 29 (5.28, N+ = 7),
    # then 5.30 at period 30.
    assert (upper[0], lower[0]) == (0.0, 0.05)
    assert lower[1:3] == [1.56, 1.77]
    assert upper[3:5] == [1.16, 2.82]
    assert upper[28:] == [5.28, 5.30]
    assert all(c <= 5.0 for c in upper[:28])
    assert all(c <= 5.0 for c in lower)
    # N+ = 7: C+ has been above zero for the seven periods 23..29.
    assert upper[21] == 0.0
    assert all(c > 0 for c in upper[22:29])


def test_cusum_step_resets_at_zero() -> None:
    assert cusum_step((0.0, 0.0), 10.2, 10.0, 0.5) == (0.0, 0.0)
    assert cusum_step((1.0, 2.0), 12.0, 10.0, 0.5) == (2.5, 0.0)


def test_ewma_example_9_2() -> None:
    z = ewma_series(TABLE_9_1, start=10.0, lam=0.1)
    # Printed: z1 = 9.945, z2 = 9.7495; z29 = 10.6468 and z30 = 10.6341 beyond the UCL.
    assert z[0] == pytest.approx(9.945, abs=5e-5)
    assert z[1] == pytest.approx(9.7495, abs=5e-5)
    assert z[28] == pytest.approx(10.6468, abs=5e-5)
    assert z[29] == pytest.approx(10.6341, abs=5e-5)
    # Printed limits: period 1 10.27 / 9.73, period 2 10.36 / 9.64, steady state 10.62 / 9.38.
    first = ewma_limits(10.0, 1.0, 0.1, 2.7, 1)
    assert (first.ucl, first.lcl) == pytest.approx((10.27, 9.73), abs=5e-3)
    assert ewma_limits(10.0, 1.0, 0.1, 2.7, 2).ucl == pytest.approx(10.36, abs=5e-3)
    steady = ewma_limits(10.0, 1.0, 0.1, 2.7)
    assert (steady.ucl, steady.lcl) == pytest.approx((10.62, 9.38), abs=5e-3)
    # The first point beyond its (time-varying) limit is observation 29.
    beyond = [i + 1 for i, v in enumerate(z) if v > ewma_limits(10.0, 1.0, 0.1, 2.7, i + 1).ucl]
    assert beyond[0] == 29


def test_ewma_limits_widen_towards_the_asymptote() -> None:
    widths = [ewma_half_width(1.0, 0.2, 3.0, i) for i in range(1, 60)]
    assert widths == sorted(widths)
    assert widths[0] == pytest.approx(3 * 0.2)  # i = 1: L sigma lambda
    assert widths[-1] == pytest.approx(ewma_half_width(1.0, 0.2, 3.0), rel=1e-9)
    assert ewma_half_width(1.0, 0.2, 3.0) == pytest.approx(3 * math.sqrt(0.2 / 1.8))


def test_ewma_step_with_lambda_one_is_the_observation() -> None:
    assert ewma_step(5.0, 7.0, 1.0) == 7.0
