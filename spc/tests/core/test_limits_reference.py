"""Limits and sigma against published values: the shared validation cases and textbooks.

Every expected number below comes from its cited source (or from the validation file),
never from running this code. Where a validation case contradicts DESIGN.md the test says
so and checks the product's behaviour instead.

The validation file is the repository's copy in ``spc/tests/core/data/``
(or ``$OPENSPC_VALIDATION_DIR``); its tests are skipped, naming the path, when it is absent.
This file covers the cases of kind ``xbar_r``, ``xbar_s`` and ``i_mr``; the subgroup-mode
cases are in ``test_evaluate.py``; zones and Nelson rules belong to the rule-engine tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from spc.core.errors import InputError, ZeroSpreadError
from spc.core.estimators import (
    moving_ranges,
    sigma_from_moving_ranges,
    sigma_from_ranges,
    sigma_from_stddevs,
)
from spc.core.limits import compute_limits, point_limits
from spc.core.types import ChartType, ControlLimits, Subgroup, SubgroupMode
from spc.tests.core.validation import validation_file as shared_validation_file

REPO_ROOT = Path(__file__).resolve().parents[3]


def validation_file() -> Path:
    """The reference cases (see ``spc.tests.core.validation``)."""
    return shared_validation_file()


def load_cases(*kinds: str) -> list[Any]:
    """pytest params (id = case name) of every case whose chart_type is one of ``kinds``."""
    path = validation_file()
    if not path.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{path} not found"))]
    cases = json.loads(path.read_text())["cases"]
    return [pytest.param(c, id=c["name"]) for c in cases if c["chart_type"] in kinds]


def tolerance(case: dict[str, Any], key: str) -> float:
    """The case's absolute tolerance for ``key`` (falling back to ``*``)."""
    tolerances = case.get("tolerance") or {}
    return float(tolerances.get(key, tolerances.get("*", 0.0)))


def individuals(values: list[float]) -> list[Subgroup]:
    return [Subgroup((float(v),)) for v in values]


def with_mean_and_range(mean: float, spread: float, n: int) -> Subgroup:
    """n values whose mean is ``mean`` and whose range is ``spread``."""
    return Subgroup((mean - spread / 2, mean + spread / 2) + (mean,) * (n - 2))


# Cases whose expected result DESIGN.md overrides, with the reason.
OVERRIDES = {
    "imr_all_identical_degenerate": (
        ZeroSpreadError,
        "DESIGN.md: constant data gives a clear 'zero spread' error, never sigma = 0 stored "
        "(the case's own note: collapsed limits make every later sample fail).",
    ),
    "service_rbar_zero_ranges": (
        ZeroSpreadError,
        "DESIGN.md: zero spread is an error, not sigma = 0 and UCL = LCL = CL.",
    ),
    "xbar_r_single_subgroup": (
        InputError,
        "A baseline needs at least 2 subgroups (contracts: compute_limits raises InputError "
        "for fewer); one subgroup gives no estimate of between-subgroup behaviour.",
    ),
}


def _assert(case: dict[str, Any], got: dict[str, float]) -> None:
    expected = case["expected"]
    checked = [key for key in expected if key in got]
    assert checked, f"no expected value of {case['name']} is checked"
    for key in checked:
        assert got[key] == pytest.approx(expected[key], abs=tolerance(case, key)), key


def _from_limits(limits: ControlLimits) -> dict[str, float]:
    out = {
        "center_line": limits.center_line,
        "ucl": limits.ucl,
        "lcl": limits.lcl,
        "sigma": limits.sigma,
    }
    if limits.secondary is not None:
        prefix = "mr" if limits.chart_type == ChartType.I_MR else "r"
        out[f"{prefix}_center_line"] = limits.secondary.center_line
        out[f"{prefix}_ucl"] = limits.secondary.ucl
        out[f"{prefix}_lcl"] = limits.secondary.lcl
    return out


def _run(case: dict[str, Any]) -> dict[str, float]:
    inputs = case["inputs"]
    if "ranges" in inputs:
        return {"sigma": sigma_from_ranges(inputs["ranges"], inputs["n"])}
    if "subgroup_std_devs" in inputs:
        return {"sigma": sigma_from_stddevs(inputs["subgroup_std_devs"], inputs["n"])}
    if "subgroup_means" in inputs:
        n = inputs["n"]
        subgroups = [
            with_mean_and_range(m, r, n)
            for m, r in zip(inputs["subgroup_means"], inputs["subgroup_ranges"], strict=True)
        ]
        return _from_limits(compute_limits(ChartType.XBAR_R, subgroups, n))
    if "subgroups" in inputs:
        n = len(inputs["subgroups"][0])
        subgroups = [Subgroup(tuple(g)) for g in inputs["subgroups"]]
        return _from_limits(compute_limits(ChartType.XBAR_R, subgroups, n))
    values = inputs["values"]
    span = inputs.get("mr_span", 2)
    if span != 2:
        # The product's I-MR chart uses span 2; the span-k estimator is checked directly.
        ranges = moving_ranges(values, span)
        return {
            "sigma": sigma_from_moving_ranges(values, span),
            "mr_center_line": sum(ranges) / len(ranges),
        }
    excluded = set(inputs.get("excluded_indices", ()))
    kept = [v for i, v in enumerate(values) if i not in excluded]
    got = _from_limits(compute_limits(ChartType.I_MR, individuals(kept), 1))
    if excluded:
        got |= {"sample_count": len(kept), "excluded_count": len(excluded)}
    return got


@pytest.mark.parametrize("case", load_cases("xbar_r", "xbar_s", "i_mr"))
def test_validation_case(case: dict[str, Any]) -> None:
    if case["name"] in OVERRIDES:
        error, _reason = OVERRIDES[case["name"]]
        with pytest.raises(error):
            _run(case)
        return
    _assert(case, _run(case))


def test_exclusion_case_note_values() -> None:
    # service_exclusion_count's note gives independent limits on the kept 24 points:
    # CL = 11.5, sigma = 1.773050, UCL = 16.819149, LCL = 6.180851.
    values = [10.0, 12.0, 11.0, 13.0, 10.0] * 6
    kept = [v for i, v in enumerate(values) if i % 5 != 0]
    limits = compute_limits(ChartType.I_MR, individuals(kept), 1)
    assert limits.center_line == pytest.approx(11.5, abs=1e-6)
    assert limits.sigma == pytest.approx(1.773050, abs=1e-6)
    assert limits.ucl == pytest.approx(16.819149, abs=1e-6)
    assert limits.lcl == pytest.approx(6.180851, abs=1e-6)


# --- Montgomery's piston rings -------------------------------------------------------
# Inside diameter (mm) of forged automobile piston rings, 25 samples of n = 5.
# PISTON_RINGS_QCC is the data set as distributed with R's qcc package (`pistonrings`,
# trial samples 1-25, from Montgomery's book). qcc prints for it: centre 74.00118,
# standard deviation 0.009785039 (R-bar/d2), LCL 73.98805, UCL 74.0143 (R's seven
# significant digits, trailing zero dropped); R-bar = 0.02276.
PISTON_RINGS_QCC = [
    (74.030, 74.002, 74.019, 73.992, 74.008),
    (73.995, 73.992, 74.001, 74.011, 74.004),
    (73.988, 74.024, 74.021, 74.005, 74.002),
    (74.002, 73.996, 73.993, 74.015, 74.009),
    (73.992, 74.007, 74.015, 73.989, 74.014),
    (74.009, 73.994, 73.997, 73.985, 73.993),
    (73.995, 74.006, 73.994, 74.000, 74.005),
    (73.985, 74.003, 73.993, 74.015, 73.988),
    (74.008, 73.995, 74.009, 74.005, 74.004),
    (73.998, 74.000, 73.990, 74.007, 73.995),
    (73.994, 73.998, 73.994, 73.995, 73.990),
    (74.004, 74.000, 74.007, 74.000, 73.996),
    (73.983, 74.002, 73.998, 73.997, 74.012),
    (74.006, 73.967, 73.994, 74.000, 73.984),
    (74.012, 74.014, 73.998, 73.999, 74.007),
    (74.000, 73.984, 74.005, 73.998, 73.996),
    (73.994, 74.012, 73.986, 74.005, 74.007),
    (74.006, 74.010, 74.018, 74.003, 74.000),
    (73.984, 74.002, 74.003, 74.005, 73.997),
    (74.000, 74.010, 74.013, 74.020, 74.003),
    (73.988, 74.001, 74.009, 74.005, 73.996),
    (74.004, 73.999, 73.990, 74.006, 74.009),
    (74.010, 73.989, 73.990, 74.009, 74.014),
    (74.015, 74.008, 73.993, 74.000, 74.010),
    (73.982, 73.984, 73.995, 74.017, 74.013),
]
# Montgomery's Table 6.3 (6th/7th ed.) prints sample 21 differently (the validation README
# warns of this); with it the book prints x-double-bar = 74.001, R-bar = 0.023 and, for the
# x-bar and s charts of Example 6.3, s-bar = 0.0094.
PISTON_RINGS_BOOK = [
    *PISTON_RINGS_QCC[:20],
    (73.982, 74.001, 74.015, 74.005, 73.996),
    *PISTON_RINGS_QCC[21:],
]


def test_piston_rings_xbar_r_qcc() -> None:
    limits = compute_limits(ChartType.XBAR_R, [Subgroup(g) for g in PISTON_RINGS_QCC], 5)
    assert limits.center_line == pytest.approx(74.00118, abs=5e-6)
    assert limits.sigma == pytest.approx(0.009785039, abs=5e-10)
    assert limits.ucl == pytest.approx(74.01430, abs=5e-6)
    assert limits.lcl == pytest.approx(73.98805, abs=5e-6)
    assert limits.secondary is not None
    assert limits.secondary.center_line == pytest.approx(0.02276, abs=5e-6)
    assert limits.secondary.lcl == 0.0  # D3(5) = 0
    # UCL_R = D4 R-bar. qcc prints 0.04812 from the unrounded D4 = 2.1145; the product
    # uses the printed D4 = 2.114 (Montgomery's table), 0.0481146: allow that rounding.
    assert limits.secondary.ucl == pytest.approx(0.04812, abs=1e-5)


def test_piston_rings_xbar_r_book_edition() -> None:
    limits = compute_limits(ChartType.XBAR_R, [Subgroup(g) for g in PISTON_RINGS_BOOK], 5)
    # Printed: x-double-bar = 74.001, R-bar = 0.023, limits 74.001 +/- 0.577(0.023) =
    # 73.988 .. 74.014, UCL_R = 2.114(0.023) = 0.049 (0.0486 before rounding R-bar).
    assert limits.center_line == pytest.approx(74.001, abs=5e-4)
    assert limits.secondary is not None
    assert limits.secondary.center_line == pytest.approx(0.023, abs=5e-4)
    assert limits.ucl == pytest.approx(74.014, abs=1e-3)
    assert limits.lcl == pytest.approx(73.988, abs=1e-3)
    assert limits.secondary.ucl == pytest.approx(0.049, abs=1e-3)


def test_piston_rings_xbar_s_book_edition() -> None:
    limits = compute_limits(ChartType.XBAR_S, [Subgroup(g) for g in PISTON_RINGS_BOOK], 5)
    # Montgomery Example 6.3: s-bar = 0.0094, sigma-hat = s-bar/c4 = 0.0094/0.9400 = 0.01,
    # x-bar limits 74.001 +/- 1.427(0.0094) = 73.988 .. 74.014 (from the rounded
    # x-double-bar: allow 0.001), s chart UCL = 2.089(0.0094) = 0.0196, LCL = 0.
    assert limits.secondary is not None
    assert limits.secondary.center_line == pytest.approx(0.0094, abs=5e-5)
    assert limits.sigma == pytest.approx(0.0100, abs=5e-5)
    assert limits.ucl == pytest.approx(74.014, abs=1e-3)
    assert limits.lcl == pytest.approx(73.988, abs=1e-3)
    assert limits.secondary.ucl == pytest.approx(0.0196, abs=5e-5)
    assert limits.secondary.lcl == 0.0


# --- NIST/SEMATECH e-Handbook of Statistical Methods --------------------------------


def test_nist_flowrate_individuals_chart() -> None:
    # e-Handbook §6.3.2.2 (individuals control chart example, flow rate of the first 10
    # batches): x-bar = 50.81, MR-bar = 1.8778, UCL = 50.81 + 3(1.8778/1.128) = 55.8041,
    # LCL = 45.8159; MR chart UCL = 3.267(1.8778) = 6.135, LCL = 0.
    flow = [49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1]
    limits = compute_limits(ChartType.I_MR, individuals(flow), 1)
    assert limits.center_line == pytest.approx(50.81, abs=5e-5)
    assert limits.ucl == pytest.approx(55.8041, abs=5e-5)
    assert limits.lcl == pytest.approx(45.8159, abs=5e-5)
    assert limits.secondary is not None
    assert limits.secondary.center_line == pytest.approx(1.8778, abs=5e-5)
    assert limits.secondary.ucl == pytest.approx(6.135, abs=5e-4)
    assert limits.secondary.lcl == 0.0


def test_nist_wafer_defects_c_chart() -> None:
    # e-Handbook §6.3.3.1 (defects on 25 wafers): c-bar = 16, UCL = 16 + 3(4) = 28,
    # LCL = 16 - 3(4) = 4.
    counts = [16, 14, 28, 16, 12, 20, 10, 12, 10, 17, 19, 17, 14]
    counts += [16, 15, 13, 14, 16, 11, 20, 11, 19, 16, 31, 13]
    limits = compute_limits(ChartType.C, [Subgroup(count=c) for c in counts], 1)
    assert (limits.center_line, limits.ucl, limits.lcl) == pytest.approx((16, 28, 4), abs=1e-9)
    assert limits.sigma == pytest.approx(4.0)


# --- Attribute charts ----------------------------------------------------------------
# Montgomery, Example 7.1 (frozen orange-juice concentrate cans, 30 samples of n = 50;
# also qcc's `orangejuice` trial samples): p-bar = 0.2313, UCL = 0.4102, LCL = 0.0524.
ORANGE_JUICE = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22]
ORANGE_JUICE += [8, 10, 5, 13, 11, 20, 18, 24, 15, 9, 12, 7, 13, 9, 6]


def test_orange_juice_p_chart() -> None:
    subgroups = [Subgroup(count=c, sample_size=50) for c in ORANGE_JUICE]
    limits = compute_limits(ChartType.P, subgroups, 50)
    assert limits.center_line == pytest.approx(0.2313, abs=5e-5)
    assert limits.ucl == pytest.approx(0.4102, abs=5e-5)
    assert limits.lcl == pytest.approx(0.0524, abs=5e-5)


def test_orange_juice_np_chart_is_the_p_chart_times_n() -> None:
    # The np chart plots counts: its lines are n times the published p chart's.
    subgroups = [Subgroup(count=c, sample_size=50) for c in ORANGE_JUICE]
    limits = compute_limits(ChartType.NP, subgroups, 50)
    assert limits.center_line == pytest.approx(50 * 0.2313, abs=50 * 5e-5)
    assert limits.ucl == pytest.approx(50 * 0.4102, abs=50 * 5e-5)
    assert limits.lcl == pytest.approx(50 * 0.0524, abs=50 * 5e-5)


def test_montgomery_personal_computer_u_chart() -> None:
    # Montgomery §7.3.1 (nonconformities in 20 samples of 5 personal computers): total
    # 193, u-bar = 1.93, UCL = 1.93 + 3 sqrt(1.93/5) = 3.79, LCL = 0.07.
    counts = [10, 12, 8, 14, 10, 16, 11, 7, 10, 15, 9, 5, 7, 11, 12, 6, 8, 10, 7, 5]
    limits = compute_limits(ChartType.U, [Subgroup(count=c, sample_size=5) for c in counts], 5)
    assert limits.center_line == pytest.approx(1.93, abs=5e-3)
    assert limits.ucl == pytest.approx(3.79, abs=5e-3)
    assert limits.lcl == pytest.approx(0.07, abs=5e-3)


def test_p_chart_per_point_limits_for_another_sample_size() -> None:
    # With p-bar = 0.2313 a sample of 100 has limits 0.2313 +/- 3 sqrt(p(1-p)/100)
    # = 0.1048 .. 0.3578 (the published p-bar carried through the textbook formula).
    subgroups = [Subgroup(count=c, sample_size=50) for c in ORANGE_JUICE]
    limits = compute_limits(ChartType.P, subgroups, 50)
    at_100 = point_limits(limits, SubgroupMode.NOMINAL_TOLERANCE, 100)
    assert at_100.ucl == pytest.approx(0.3578, abs=2e-4)
    assert at_100.lcl == pytest.approx(0.1048, abs=2e-4)
