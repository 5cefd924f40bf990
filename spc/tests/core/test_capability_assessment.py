"""The honest verdict: a process out of control or data that are not normal are never
called capable, whatever the index; the verdict says why, beside the indices."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from spc.core.capability import Capability, capability
from spc.core.capability_assessment import (
    NOT_IN_CONTROL,
    NOT_NORMAL,
    Stability,
    assess,
    format_p,
    within_estimator,
    within_sigma,
)
from spc.core.errors import InputError

IN_CONTROL = Stability(open_violations=0, beyond_limits=0, judged=100, points=100)


def normal_values(n: int = 100) -> np.ndarray:
    """n values as normal as a sample gets (Blom's quantiles), mean 0 and s exactly 1."""
    raw = np.array([NormalDist().inv_cdf((i - 0.375) / (n + 0.25)) for i in range(1, n + 1)])
    return (raw - raw.mean()) / raw.std(ddof=1)


def capable_study() -> Capability:
    # σ within 1, limits ±5.16: Cpk = 5.16/3 = 1.72, the number.
    return capability(normal_values(), usl=5.16, lsl=-5.16, sigma_within=1.0)


def test_in_control_normal_and_enough_data_reads_the_index() -> None:
    result = assess(capable_study(), IN_CONTROL)
    assert result.verdict == "capable"
    assert result.headline == "Capable (Cpk 1.72 ≥ 1.33)"
    assert result.warnings == ()
    assert result.in_control is True
    assert result.normal is True


def test_open_violations_make_the_indices_not_meaningful() -> None:
    # The issue: "Capable (Cpk 1.72)" shown with 21 open violations.
    stability = Stability(open_violations=21, beyond_limits=3, judged=100, points=100)
    result = assess(capable_study(), stability)
    assert result.verdict == NOT_IN_CONTROL
    assert result.headline == "Indices not meaningful: process not in statistical control"
    assert "Capable" not in result.headline
    assert result.index_verdict == "capable"  # kept for the record, not shown as verdict
    assert "21 open violations in the study range." in result.warnings
    assert "3 points beyond the control limits in the study range." in result.warnings
    assert result.in_control is False


def test_a_single_point_beyond_the_limits_is_enough() -> None:
    stability = Stability(open_violations=0, beyond_limits=1, judged=100, points=100)
    result = assess(capable_study(), stability)
    assert result.verdict == NOT_IN_CONTROL
    assert "1 point beyond the control limits in the study range." in result.warnings


def test_data_that_are_not_normal_are_not_called_capable() -> None:
    # The issue: Anderson–Darling p = 0.000. Exponential data, scaled so that Cpk is high.
    values = np.random.default_rng(4).exponential(1.0, 200)
    study = capability(values, usl=60.0, lsl=-50.0, sigma_within=1.0)
    assert study.cpk is not None
    assert study.cpk > 1.33
    result = assess(study, IN_CONTROL)
    assert result.verdict == NOT_NORMAL
    assert result.headline == ("Indices not reliable: data not normal (Anderson–Darling p < 0.001)")
    assert any("choose a distribution" in w for w in result.warnings)  # points to the fits
    assert result.normal is False


def test_not_in_control_is_named_before_not_normal() -> None:
    values = np.random.default_rng(4).exponential(1.0, 200)
    stability = Stability(open_violations=2, beyond_limits=0, judged=200, points=200)
    result = assess(capability(values, usl=60.0, lsl=-50.0, sigma_within=1.0), stability)
    assert result.verdict == NOT_IN_CONTROL
    assert any(w.startswith("Data not normal") for w in result.warnings)


def test_without_control_limits_the_stability_is_said_to_be_unknown() -> None:
    stability = Stability(open_violations=0, beyond_limits=0, judged=0, points=100)
    result = assess(capable_study(), stability)
    assert result.verdict == "capable"
    assert result.in_control is None
    assert "No control limits in the study range: stability not assessed." in result.warnings


def test_few_values_give_insufficient_data() -> None:
    study = capability(normal_values(12), usl=5.16, lsl=-5.16, sigma_within=1.0)
    result = assess(study, Stability(0, 0, 12, 12))
    assert result.verdict == "insufficient data"
    assert result.headline == "Insufficient data: 12 values, at least 30 needed"


@pytest.mark.parametrize(
    ("limit", "headline"),
    [
        (3.6, "Marginal (Cpk 1.20, between 1.00 and 1.33)"),
        (2.4, "Not capable (Cpk 0.80 < 1.00)"),
    ],
)
def test_headline_names_the_index_and_its_threshold(limit: float, headline: str) -> None:
    study = capability(normal_values(), usl=limit, lsl=-limit, sigma_within=1.0)
    assert assess(study, IN_CONTROL).headline == headline


def test_one_sided_specification_says_so() -> None:
    study = capability(normal_values(), usl=5.16, lsl=None, sigma_within=1.0)
    assert assess(study, IN_CONTROL).headline == "Capable (Cpk 1.72, one-sided ≥ 1.33)"


def test_without_sigma_within_the_verdict_reads_ppk() -> None:
    study = capability(normal_values(), usl=5.16, lsl=-5.16)
    assert assess(study, IN_CONTROL).headline == "Capable (Ppk 1.72 ≥ 1.33)"


@pytest.mark.parametrize(
    ("chart", "n", "name"),
    [
        ("I_MR", 1, "MR̄/d₂(2)"),
        ("XBAR_R", 5, "R̄/d₂"),
        ("XBAR_S", 8, "S̄/c₄"),
        ("EWMA", 1, "MR̄/d₂(2)"),
        ("EWMA", 4, "pooled s/c₄"),
        ("XBAR_R", 1, "MR̄/d₂(2)"),
    ],
)
def test_within_estimator_names_the_charts_estimator(chart: str, n: int, name: str) -> None:
    assert within_estimator(chart, n) == name


def test_p_values_print_with_three_decimals_or_as_a_bound() -> None:
    assert format_p(0.0004) == "p < 0.001"
    assert format_p(0.0412) == "p = 0.041"


def test_within_sigma_uses_the_charts_estimator_on_the_studys_subgroups() -> None:
    # Shared validation case "sigma_mr_5pts": 10, 12, 11, 13, 10 → MR̄/d₂(2) = 2/1.128.
    assert within_sigma("I_MR", 1, [[10], [12], [11], [13], [10]]) == pytest.approx(1.773, abs=1e-3)
    # Ranges 1, 1, 2: R̄/d₂(2) = (4/3)/1.128 (Montgomery, Appendix VI, d₂(2) = 1.128).
    pairs = [[9.0, 10.0], [11.0, 10.0], [10.0, 12.0]]
    assert within_sigma("XBAR_R", 2, pairs) == pytest.approx((4 / 3) / 1.128)
    # The same subgroups as one 2-D block give the same σ.
    assert within_sigma("XBAR_R", 2, np.array(pairs)) == pytest.approx((4 / 3) / 1.128)
    # s of each pair: 1/√2, 1/√2, √2; S̄/c₄(2) with c₄(2) = 0.7979.
    s_bar = (2 / math.sqrt(2) + math.sqrt(2)) / 3
    assert within_sigma("XBAR_S", 2, pairs) == pytest.approx(s_bar / 0.7979, rel=1e-4)


def test_within_sigma_needs_two_subgroups() -> None:
    with pytest.raises(InputError, match="2 subgroups"):
        within_sigma("XBAR_R", 2, [[9.0, 11.0]])
