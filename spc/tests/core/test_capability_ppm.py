"""PPM, the normal probability plot and the two normal curves of a capability study,
against hand-computed and published values.

Φ is computed here from the error function, Φ(z) = ½·erfc(−z/√2), and normal quantiles
with the standard library's ``NormalDist``: neither is the code under test (scipy).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from spc.core.capability import capability
from spc.core.ppm import expected_ppm, observed_ppm
from spc.core.probability_plot import probability_plot


def phi(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))


# Montgomery, Introduction to Statistical Quality Control, 6th ed., Table 8.2: "Values of
# the process capability ratio (Cp) and associated process fallout for a normally
# distributed process (in defective ppm) that is in statistical control" — a centred
# process, one-sided and two-sided specifications. (Cp, one-sided ppm, two-sided ppm)
MONTGOMERY_TABLE_8_2 = [
    (0.50, 66_807, 133_614),
    (0.80, 8_198, 16_395),
    (1.00, 1_350, 2_700),
    (1.20, 159, 318),
    (1.30, 48, 96),
    (1.50, 4, 7),
]


@pytest.mark.parametrize(("cp", "one_sided", "two_sided"), MONTGOMERY_TABLE_8_2)
def test_expected_ppm_of_a_centred_process_matches_montgomery_table_8_2(
    cp: float, one_sided: int, two_sided: int
) -> None:
    # Centred at 0 with σ = 1, the limits sit at ±3·Cp. The table prints whole ppm and
    # rounds some up (Φ(−4.5)·10⁶ = 3.4 is printed 4): tolerance 1 ppm.
    both = expected_ppm(0.0, 1.0, usl=3 * cp, lsl=-3 * cp)
    assert both.total == pytest.approx(two_sided, abs=1)
    assert both.below == pytest.approx(both.above)
    upper_only = expected_ppm(0.0, 1.0, usl=3 * cp, lsl=None)
    assert upper_only.total == pytest.approx(one_sided, abs=1)
    assert upper_only.total == pytest.approx(1e6 * phi(-3 * cp), rel=1e-9)
    assert upper_only.below is None


def test_expected_ppm_of_an_off_centre_process_by_hand() -> None:
    # μ = 10.2, σ = 0.1, LSL 9.9, USL 10.4: z_L = −3, z_U = 2.
    ppm = expected_ppm(10.2, 0.1, usl=10.4, lsl=9.9)
    assert ppm.below == pytest.approx(1e6 * phi(-3.0), rel=1e-9)  # 1,349.9
    assert ppm.above == pytest.approx(1e6 * phi(-2.0), rel=1e-9)  # 22,750.1
    assert ppm.total == pytest.approx(1e6 * (phi(-3.0) + phi(-2.0)), rel=1e-9)


def test_expected_ppm_keeps_a_far_tail() -> None:
    # 8σ above the mean: 1 − Φ(8) would cancel to 0 in floating point; Φ(−8) does not.
    assert expected_ppm(0.0, 1.0, usl=8.0, lsl=None).total == pytest.approx(
        1e6 * phi(-8.0), rel=1e-6
    )


def test_observed_ppm_counts_values_strictly_outside() -> None:
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    # LSL 2: only 1 is below (2 is on the limit: within); USL 8.5: 9 and 10 are above.
    ppm = observed_ppm(values, usl=8.5, lsl=2.0)
    assert ppm.below == pytest.approx(100_000)
    assert ppm.above == pytest.approx(200_000)
    assert ppm.total == pytest.approx(300_000)
    assert observed_ppm(values, usl=None, lsl=0.0).above is None


def test_capability_reports_observed_and_expected_ppm_with_each_sigma() -> None:
    # 2, 4, 4, 4, 5, 5, 7, 9: mean 5, s = √(32/7); LSL 3, USL 8.5, σ within 1.5.
    values = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]
    s = math.sqrt(32 / 7)
    result = capability(values, usl=8.5, lsl=3.0, sigma_within=1.5)
    assert result.ppm_observed.below == pytest.approx(1e6 / 8)  # the 2
    assert result.ppm_observed.above == pytest.approx(1e6 / 8)  # the 9
    assert result.ppm_within is not None
    assert result.ppm_within.below == pytest.approx(1e6 * phi((3 - 5) / 1.5), rel=1e-9)
    assert result.ppm_within.above == pytest.approx(1e6 * phi((5 - 8.5) / 1.5), rel=1e-9)
    assert result.ppm_overall.below == pytest.approx(1e6 * phi((3 - 5) / s), rel=1e-9)
    assert result.ppm_overall.above == pytest.approx(1e6 * phi((5 - 8.5) / s), rel=1e-9)
    assert capability(values, usl=8.5, lsl=3.0).ppm_within is None


def test_montgomery_bottles_below_the_lower_limit() -> None:
    # Montgomery, 6th ed., §8.3.1: bursting strength x̄ = 264.06 psi, s = 32.02 psi,
    # LSL = 200 psi; the normal model puts Φ((200 − 264.06)/32.02) = Φ(−2.0006) ≈ 2.27 %
    # of the bottles below the limit.
    ppm = expected_ppm(264.06, 32.02, usl=None, lsl=200.0)
    assert ppm.below == pytest.approx(1e6 * phi((200 - 264.06) / 32.02), rel=1e-9)
    assert ppm.total == pytest.approx(22_720, rel=0.002)


def test_both_normal_curves_follow_the_density_formula() -> None:
    values = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]
    s = math.sqrt(32 / 7)
    result = capability(values, usl=14.0, lsl=0.0, sigma_within=1.5, bins=4)
    hist = result.histogram
    width = hist.edges[1] - hist.edges[0]  # (9 − 2)/4 = 1.75

    def density(x: float, sigma: float) -> float:
        return (
            8
            * width
            * math.exp(-((x - 5) ** 2) / (2 * sigma**2))
            / (sigma * math.sqrt(2 * math.pi))
        )

    assert hist.curve_y_within is not None
    for x, overall, within in zip(hist.curve_x, hist.curve_y, hist.curve_y_within, strict=True):
        assert overall == pytest.approx(density(x, s), rel=1e-9, abs=1e-12)
        assert within == pytest.approx(density(x, 1.5), rel=1e-9, abs=1e-12)
    # The curves reach mean ± 4σ of the wider sigma (s = 2.138 > 1.5).
    assert hist.curve_x[0] == pytest.approx(5 - 4 * s)
    assert hist.curve_x[-1] == pytest.approx(5 + 4 * s)


def test_probability_plot_uses_benard_median_ranks() -> None:
    plot = probability_plot([3.0, 1.0, 2.0, 5.0, 4.0], mean=3.0, sigma=1.5)
    assert plot.values == (1.0, 2.0, 3.0, 4.0, 5.0)
    # pᵢ = (i − 0.3)/(n + 0.4): 0.7/5.4, 1.7/5.4, 2.7/5.4 = ½, ...
    expected = [(i - 0.3) / 5.4 for i in range(1, 6)]
    assert plot.percent == pytest.approx([100 * p for p in expected])
    assert plot.z == pytest.approx([NormalDist().inv_cdf(p) for p in expected], abs=1e-9)
    assert plot.z[2] == pytest.approx(0.0, abs=1e-12)
    # The fitted line x = 3 + 1.5 z through the ends of the z range.
    assert plot.line_x == pytest.approx((3 + 1.5 * plot.z[0], 3 + 1.5 * plot.z[-1]))


def test_probability_plot_thins_a_large_study_but_keeps_its_extremes() -> None:
    values = np.random.default_rng(3).normal(10, 2, 5000)
    plot = probability_plot(values, mean=10.0, sigma=2.0, max_points=50)
    assert plot.n == 5000
    assert len(plot.values) == 50
    assert plot.values[0] == values.min()
    assert plot.values[-1] == values.max()
    assert list(plot.values) == sorted(plot.values)
