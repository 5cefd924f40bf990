"""Capability core: hand-computed cases (formula in each test), errors and properties.

Expected numbers are worked by hand from the formula shown beside them, never taken from
the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from spc.core.capability import (
    CAPABLE,
    INSUFFICIENT_DATA,
    MARGINAL,
    NOT_CAPABLE,
    capability,
    verdict,
)
from spc.core.errors import InputError, ZeroSpreadError

# 2, 4, 4, 4, 5, 5, 7, 9: mean 5, Σ(x − x̄)² = 32, s = sqrt(32/7) = 2.13809...
EIGHT = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]
S_EIGHT = math.sqrt(32 / 7)


def test_overall_sigma_is_the_sample_standard_deviation() -> None:
    result = capability(EIGHT, usl=14.0, lsl=0.0)
    assert result.n == 8
    assert result.mean == pytest.approx(5.0)
    assert result.sigma_overall == pytest.approx(S_EIGHT, rel=1e-12)


def test_overall_indices_match_hand_computation() -> None:
    result = capability(EIGHT, usl=14.0, lsl=0.0)
    # Pp = (14 − 0)/(6s); Ppu = (14 − 5)/(3s); Ppl = (5 − 0)/(3s); Ppk = min.
    assert result.pp == pytest.approx(14 / (6 * S_EIGHT), rel=1e-12)
    assert result.ppu == pytest.approx(9 / (3 * S_EIGHT), rel=1e-12)
    assert result.ppl == pytest.approx(5 / (3 * S_EIGHT), rel=1e-12)
    assert result.ppk == pytest.approx(5 / (3 * S_EIGHT), rel=1e-12)


def test_within_indices_use_the_given_chart_sigma() -> None:
    result = capability(EIGHT, usl=14.0, lsl=0.0, sigma_within=1.5)
    # Cp = 14/(6·1.5) = 1.5556; Cpu = 9/4.5 = 2; Cpl = 5/4.5 = 1.1111; Cpk = 1.1111.
    assert result.sigma_within == 1.5
    assert result.cp == pytest.approx(14 / 9, rel=1e-12)
    assert result.cpu == pytest.approx(2.0, rel=1e-12)
    assert result.cpl == pytest.approx(10 / 9, rel=1e-12)
    assert result.cpk == pytest.approx(10 / 9, rel=1e-12)


def test_without_within_sigma_the_within_indices_are_none() -> None:
    result = capability(EIGHT, usl=14.0, lsl=0.0)
    assert (result.cp, result.cpk, result.cpu, result.cpl) == (None, None, None, None)
    assert (result.cpk_lower, result.cpk_upper) == (None, None)
    assert result.verdict_basis == "Ppk"


def test_upper_limit_only_gives_one_sided_indices() -> None:
    result = capability(EIGHT, usl=14.0, lsl=None, sigma_within=1.5)
    assert result.one_sided
    assert result.cp is None
    assert result.pp is None
    assert result.cpl is None
    assert result.ppl is None
    assert result.cpk == pytest.approx(2.0)  # (14 − 5)/(3·1.5)
    assert result.ppk == pytest.approx(9 / (3 * S_EIGHT))


def test_lower_limit_only_gives_one_sided_indices() -> None:
    result = capability(EIGHT, usl=None, lsl=1.0, sigma_within=2.0)
    assert result.one_sided
    assert result.cpk == pytest.approx(4 / 6)  # (5 − 1)/(3·2)
    assert result.cpu is None


def test_cpm_with_target_at_mid_point_uses_overall_spread_about_target() -> None:
    # T = 7 (mid-point of 0..14); Σ(x − 7)² = Σ(x − 5)² + n(5 − 7)² = 32 + 32 = 64;
    # τ = sqrt(64/7); Cpm = min(7 − 0, 14 − 7)/(3τ) = 7/(3·sqrt(64/7)).
    result = capability(EIGHT, usl=14.0, lsl=0.0)
    assert result.cpm == pytest.approx(7 / (3 * math.sqrt(64 / 7)), rel=1e-12)


def test_cpm_with_off_centre_target_uses_nearer_limit() -> None:
    # T = 5 = mean: τ = s; Cpm = min(5 − 0, 14 − 5)/(3s) = 5/(3s).
    result = capability(EIGHT, usl=14.0, lsl=0.0, target=5.0)
    assert result.cpm == pytest.approx(5 / (3 * S_EIGHT), rel=1e-12)


def test_cpm_with_one_limit_needs_a_target() -> None:
    assert capability(EIGHT, usl=14.0, lsl=None).cpm is None
    # USL and T only: Cpm = (USL − T)/(3τ), τ² = (32 + 8·(5 − 6)²)/7 = 40/7.
    result = capability(EIGHT, usl=14.0, lsl=None, target=6.0)
    assert result.cpm == pytest.approx(8 / (3 * math.sqrt(40 / 7)), rel=1e-12)


def test_bissell_interval_hand_computed() -> None:
    # Ĉpk = 10/9, n = 8: half width = 1.959964·sqrt(1/72 + (10/9)²/14).
    result = capability(EIGHT, usl=14.0, lsl=0.0, sigma_within=1.5)
    half = 1.959963985 * math.sqrt(1 / 72 + (10 / 9) ** 2 / 14)
    assert result.cpk_lower == pytest.approx(10 / 9 - half, rel=1e-9)
    assert result.cpk_upper == pytest.approx(10 / 9 + half, rel=1e-9)


def test_bissell_interval_narrows_at_lower_confidence() -> None:
    wide = capability(EIGHT, usl=14.0, lsl=0.0, sigma_within=1.5, confidence=0.99)
    narrow = capability(EIGHT, usl=14.0, lsl=0.0, sigma_within=1.5, confidence=0.90)
    bounds = (wide.cpk_lower, narrow.cpk_lower, narrow.cpk_upper, wide.cpk_upper)
    assert None not in bounds
    assert list(bounds) == sorted(bounds)  # type: ignore[type-var]
    assert len(set(bounds)) == 4


@pytest.mark.parametrize(
    ("index", "n", "expected"),
    [
        (1.33, 30, CAPABLE),
        (2.0, 100, CAPABLE),
        (1.3299, 30, MARGINAL),
        (1.0, 30, MARGINAL),
        (0.9999, 30, NOT_CAPABLE),
        (2.0, 29, INSUFFICIENT_DATA),
        (None, 100, INSUFFICIENT_DATA),
    ],
)
def test_verdict_thresholds(index: float | None, n: int, expected: str) -> None:
    assert verdict(index, n) == expected


def test_verdict_reads_cpk_when_within_sigma_given() -> None:
    values = np.linspace(-1.0, 1.0, 40)
    # Mean 0: Cpk = (3 − 0)/(3·0.8) = 1.25 → marginal, while Ppk with s ≈ 0.59 is ≈ 1.69
    # (capable): the verdict must follow Cpk.
    result = capability(values, usl=3.0, lsl=-3.0, sigma_within=0.8)
    assert result.verdict_basis == "Cpk"
    assert result.verdict == MARGINAL


def test_histogram_counts_every_value_and_curve_matches_area() -> None:
    rng = np.random.default_rng(7)
    values = rng.normal(10.0, 2.0, 500)
    hist = capability(values, usl=20.0, lsl=0.0).histogram
    assert sum(hist.counts) == 500
    assert len(hist.edges) == len(hist.counts) + 1
    assert hist.edges[0] == pytest.approx(values.min())
    assert hist.edges[-1] == pytest.approx(values.max())
    # The scaled curve integrates to N·bin width·1 over its span (±4σ holds 99.994 %).
    width = hist.edges[1] - hist.edges[0]
    area = np.trapezoid(hist.curve_y, hist.curve_x)
    assert area == pytest.approx(500 * width, rel=1e-3)


def test_histogram_respects_requested_bins() -> None:
    hist = capability(EIGHT, usl=14.0, lsl=0.0, bins=7).histogram
    # Edges 2, 3, ..., 9: counts 1 (2), 0, 3 (4s), 2 (5s), 0, 1 (7), 1 (9, closed last bin).
    assert hist.counts == (1, 0, 3, 2, 0, 1, 1)


def test_normality_is_none_below_eight_values() -> None:
    assert capability([1.0, 2.0, 4.0, 3.0, 5.0, 3.5, 2.5], usl=10.0, lsl=0.0).normality is None
    assert capability(EIGHT, usl=10.0, lsl=0.0).normality is not None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"values": EIGHT, "usl": None, "lsl": None}, "specification limit"),
        ({"values": [1.0], "usl": 2.0, "lsl": 0.0}, "at least 2 values"),
        ({"values": [], "usl": 2.0, "lsl": 0.0}, "at least 2 values"),
        ({"values": [1.0, math.nan], "usl": 2.0, "lsl": 0.0}, "finite"),
        ({"values": [1.0, math.inf], "usl": 2.0, "lsl": 0.0}, "finite"),
        ({"values": [1.0, "x"], "usl": 2.0, "lsl": 0.0}, "number"),
        ({"values": EIGHT, "usl": 1.0, "lsl": 2.0}, "USL must be greater"),
        ({"values": EIGHT, "usl": 10.0, "lsl": 0.0, "target": 11.0}, "target"),
        ({"values": EIGHT, "usl": math.nan, "lsl": 0.0}, "USL must be a finite"),
        ({"values": EIGHT, "usl": 10.0, "lsl": 0.0, "sigma_within": 0.0}, "within sigma"),
        ({"values": EIGHT, "usl": 10.0, "lsl": 0.0, "confidence": 1.0}, "confidence"),
        ({"values": EIGHT, "usl": 10.0, "lsl": 0.0, "bins": 0}, "bin"),
    ],
)
def test_bad_input_raises_clear_input_error(kwargs: dict, message: str) -> None:
    values = kwargs.pop("values")
    with pytest.raises(InputError, match=message):
        capability(values, **kwargs)


def test_input_errors_name_their_field() -> None:
    with pytest.raises(InputError) as info:
        capability(EIGHT, usl=None, lsl=None)
    assert info.value.field == "non_field_errors"
    with pytest.raises(InputError) as info:
        capability(EIGHT, usl=1.0, lsl=2.0)
    assert info.value.field == "usl"


def test_constant_values_raise_zero_spread() -> None:
    with pytest.raises(ZeroSpreadError, match="zero spread") as info:
        capability([1.1] * 50, usl=2.0, lsl=0.0)
    assert isinstance(info.value, ValueError)


finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)
samples = st.lists(finite, min_size=2, max_size=60).filter(lambda xs: max(xs) - min(xs) > 1e-3)


@settings(max_examples=150, deadline=None)
@given(values=samples, width=st.floats(0.01, 1e3), offset=finite, sw=st.floats(0.01, 100))
def test_cpk_never_exceeds_cp(values: list[float], width: float, offset: float, sw: float) -> None:
    centre = float(np.mean(values)) + offset
    result = capability(values, usl=centre + width, lsl=centre - width, sigma_within=sw)
    assert result.cp is not None
    assert result.cpk is not None
    assert result.pp is not None
    assert result.ppk is not None
    assert result.cpk <= result.cp + 1e-12
    assert result.ppk <= result.pp + 1e-12


@settings(max_examples=150, deadline=None)
@given(values=samples, shift=finite)
def test_cp_and_pp_do_not_change_when_data_shift(values: list[float], shift: float) -> None:
    base = capability(values, usl=1e3, lsl=-1e3, sigma_within=1.0)
    moved = capability([v + shift for v in values], usl=1e3, lsl=-1e3, sigma_within=1.0)
    assert moved.cp == pytest.approx(base.cp)
    assert moved.pp == pytest.approx(base.pp, rel=1e-6)


@settings(max_examples=150, deadline=None)
@given(values=samples, scale=st.floats(0.01, 100), shift=finite)
def test_scaling_data_and_limits_together_leaves_indices(
    values: list[float], scale: float, shift: float
) -> None:
    mean = float(np.mean(values))
    usl, lsl, target = mean + 50.0, mean - 40.0, mean + 5.0
    base = capability(values, usl=usl, lsl=lsl, target=target, sigma_within=3.0)
    assume(base.cpk is not None)
    scaled = capability(
        [v * scale + shift for v in values],
        usl=usl * scale + shift,
        lsl=lsl * scale + shift,
        target=target * scale + shift,
        sigma_within=3.0 * scale,
    )
    for name in ("cp", "cpk", "pp", "ppk", "cpm", "cpu", "cpl", "ppu", "ppl"):
        assert getattr(scaled, name) == pytest.approx(getattr(base, name), rel=1e-6, abs=1e-9)
