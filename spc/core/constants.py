"""Control chart constants for subgroup sizes n = 2..25, as printed in the standard tables.

Source: ASTM E2587 Table 1 / Montgomery, *Introduction to Statistical Quality Control*,
Appendix Table VI (the same printed digits: d2, d3, D3, D4, A2 to three decimals, c4 to
four). The product uses the printed values so that its numbers agree with the textbook
and with hand calculation to the digit; ``c4_exact`` gives the gamma-function value.
"""

from __future__ import annotations

import math

N_MIN, N_MAX = 2, 25
_N = range(N_MIN, N_MAX + 1)


def _table(values: str) -> dict[int, float]:
    numbers = [float(v) for v in values.split()]
    assert len(numbers) == len(_N)
    return dict(zip(_N, numbers, strict=True))


D2 = _table(
    "1.128 1.693 2.059 2.326 2.534 2.704 2.847 2.970 3.078 3.173 3.258 3.336 "
    "3.407 3.472 3.532 3.588 3.640 3.689 3.735 3.778 3.819 3.858 3.895 3.931"
)
D3_CONST = _table(
    "0.853 0.888 0.880 0.864 0.848 0.833 0.820 0.808 0.797 0.787 0.778 0.770 "
    "0.763 0.756 0.750 0.744 0.739 0.734 0.729 0.724 0.720 0.716 0.712 0.708"
)
C4 = _table(
    "0.7979 0.8862 0.9213 0.9400 0.9515 0.9594 0.9650 0.9693 0.9727 0.9754 0.9776 0.9794 "
    "0.9810 0.9823 0.9835 0.9845 0.9854 0.9862 0.9869 0.9876 0.9882 0.9887 0.9892 0.9896"
)
A2 = _table(
    "1.880 1.023 0.729 0.577 0.483 0.419 0.373 0.337 0.308 0.285 0.266 0.249 "
    "0.235 0.223 0.212 0.203 0.194 0.187 0.180 0.173 0.167 0.162 0.157 0.153"
)
A3 = _table(
    "2.659 1.954 1.628 1.427 1.287 1.182 1.099 1.032 0.975 0.927 0.886 0.850 "
    "0.817 0.789 0.763 0.739 0.718 0.698 0.680 0.663 0.647 0.633 0.619 0.606"
)
B3 = _table(
    "0 0 0 0 0.030 0.118 0.185 0.239 0.284 0.321 0.354 0.382 "
    "0.406 0.428 0.448 0.466 0.482 0.497 0.510 0.523 0.534 0.545 0.555 0.565"
)
B4 = _table(
    "3.267 2.568 2.266 2.089 1.970 1.882 1.815 1.761 1.716 1.679 1.646 1.618 "
    "1.594 1.572 1.552 1.534 1.518 1.503 1.490 1.477 1.466 1.455 1.445 1.435"
)
D3 = _table(
    "0 0 0 0 0 0.076 0.136 0.184 0.223 0.256 0.283 0.307 "
    "0.328 0.347 0.363 0.378 0.391 0.403 0.415 0.425 0.434 0.443 0.451 0.459"
)
D4 = _table(
    "3.267 2.574 2.282 2.114 2.004 1.924 1.864 1.816 1.777 1.744 1.717 1.693 "
    "1.672 1.653 1.637 1.622 1.608 1.597 1.585 1.575 1.566 1.557 1.548 1.541"
)


def _lookup(table: dict[int, float], name: str, n: int) -> float:
    try:
        return table[n]
    except KeyError:
        raise ValueError(f"{name} is tabulated for n = {N_MIN}..{N_MAX}, not {n}.") from None


def d2(n: int) -> float:
    """Mean of the relative range R/sigma for subgroups of n normal observations."""
    return _lookup(D2, "d2", n)


def d3(n: int) -> float:
    """Standard deviation of the relative range."""
    return _lookup(D3_CONST, "d3", n)


def c4(n: int) -> float:
    """Bias correction of the sample standard deviation: E[s] = c4 sigma."""
    return _lookup(C4, "c4", n)


def c4_exact(n: int) -> float:
    """c4 from its gamma-function definition, for any n >= 2."""
    if n < 2:
        raise ValueError("c4 needs n >= 2.")
    return math.sqrt(2.0 / (n - 1)) * math.exp(math.lgamma(n / 2) - math.lgamma((n - 1) / 2))


def a2(n: int) -> float:
    """X-bar chart factor from R-bar: limits x-double-bar +/- A2 R-bar."""
    return _lookup(A2, "A2", n)


def a3(n: int) -> float:
    """X-bar chart factor from S-bar: limits x-double-bar +/- A3 S-bar."""
    return _lookup(A3, "A3", n)


def b3(n: int) -> float:
    """S chart lower limit factor."""
    return _lookup(B3, "B3", n)


def b4(n: int) -> float:
    """S chart upper limit factor."""
    return _lookup(B4, "B4", n)


def d3_factor(n: int) -> float:
    """R chart lower limit factor D3."""
    return _lookup(D3, "D3", n)


def d4_factor(n: int) -> float:
    """R chart upper limit factor D4."""
    return _lookup(D4, "D4", n)
