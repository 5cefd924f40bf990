"""The demo plant's process models: stationary in control, special causes only when asked.

Pure (no database). Expected values are those of the distributions the models claim to
draw from (normal, binomial, Poisson), with tolerances of about four standard errors.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from spc.demo_process import (
    CauseKind,
    ProcessModel,
    SpecialCause,
    decimals_for,
    random_cause,
    resolution_for,
)


def _model(chart: str, n: int = 1, **kwargs: object) -> ProcessModel:
    return ProcessModel(1, chart, n, rng=np.random.default_rng(11), **kwargs)


def test_in_control_variables_are_independent_normal_around_the_centre() -> None:
    model = _model("XBAR_R", 5, centre=74.0, sigma=0.01)
    draws = [model.next() for _ in range(4000)]
    values = np.array([d.measurements for d in draws])
    assert values.shape == (4000, 5)
    assert all(d.cause is None for d in draws)
    # Mean: standard error 0.01 / sqrt(20000) = 7e-5. Sigma: relative error 1/sqrt(2·20000).
    assert abs(values.mean() - 74.0) < 3e-4
    assert abs(values.std(ddof=1) / 0.01 - 1) < 0.03
    means = values.mean(axis=1)
    lag1 = np.corrcoef(means[:-1], means[1:])[0, 1]
    assert abs(lag1) < 4 / math.sqrt(4000)  # no autocorrelation between subgroups


def test_gauge_resolution_keeps_moving_ranges_apart() -> None:
    # sigma/20 or finer: two neighbours coincide in about 1 subgroup of 70 at most.
    assert resolution_for(0.01) == pytest.approx(1e-4)
    assert resolution_for(0.4) == pytest.approx(0.01)
    assert decimals_for(0.005) == 4
    model = _model("I_MR", centre=50.0, sigma=0.01)
    values = [model.next().measurements[0] for _ in range(3000)]
    ties = sum(a == b for a, b in itertools.pairwise(values))
    assert ties < 3000 / 70 + 4 * math.sqrt(3000 / 70)
    assert all(round(v, 4) == v for v in values)


@pytest.mark.parametrize(
    ("chart", "size", "rate", "mean", "variance"),
    [
        ("P", 100, 0.04, 4.0, 100 * 0.04 * 0.96),
        ("NP", 200, 0.015, 3.0, 200 * 0.015 * 0.985),
        ("C", 1, 6.0, 6.0, 6.0),
        ("U", 4, 1.5, 6.0, 6.0),
    ],
)
def test_attribute_counts_follow_binomial_or_poisson_at_their_rate(
    chart: str, size: int, rate: float, mean: float, variance: float
) -> None:
    model = _model(chart, size, rate=rate, sample_size=float(size))
    draws = [model.next() for _ in range(5000)]
    counts = np.array([d.count for d in draws], dtype=float)
    assert all(c == int(c) for c in counts)
    assert abs(counts.mean() - mean) < 4 * math.sqrt(variance / 5000)
    assert abs(counts.var(ddof=1) / variance - 1) < 0.1
    expected_size = None if chart == "C" else float(size)
    assert {d.sample_size for d in draws} == {expected_size}


def test_a_scheduled_shift_moves_the_statistic_by_its_own_sigmas_then_ends() -> None:
    model = _model("XBAR_R", 4, centre=15.0, sigma=0.03)
    shift = SpecialCause(CauseKind.SHIFT, 2.0, 30)
    model.schedule(shift, after=10)
    draws = [model.next() for _ in range(3000)]
    causes = [d.cause for d in draws]
    assert causes[:10] == [None] * 10
    assert causes[10:40] == [shift] * 30
    assert set(causes[40:]) == {None}
    means = np.array([np.mean(d.measurements) for d in draws])
    sigma_xbar = 0.03 / 2
    assert abs((means[10:40].mean() - 15.0) / sigma_xbar - 2.0) < 4 / math.sqrt(30)
    assert abs((means[40:].mean() - 15.0) / sigma_xbar) < 4 / math.sqrt(2960)


def test_a_trend_grows_linearly_and_an_outlier_lasts_one_subgroup() -> None:
    trend = SpecialCause(CauseKind.TREND, -3.0, 20)
    assert [trend.offset(i) for i in (0, 9, 19)] == pytest.approx([-0.15, -1.5, -3.0])
    model = _model("I_MR", centre=0.0, sigma=1.0)
    outlier = SpecialCause(CauseKind.OUTLIER, 4.5, 1)
    model.schedule(outlier)
    first, second = model.next(), model.next()
    assert first.cause == outlier
    assert second.cause is None


def test_attribute_shift_moves_the_rate_by_binomial_sigmas() -> None:
    model = _model("P", 100, rate=0.04, sample_size=100.0)
    model.schedule(SpecialCause(CauseKind.SHIFT, 2.0, 4000))
    counts = np.array([model.next().count for _ in range(4000)], dtype=float)
    shifted = 100 * (0.04 + 2.0 * math.sqrt(0.04 * 0.96 / 100))
    assert abs(counts.mean() - shifted) < 4 * math.sqrt(shifted / 4000)


def test_short_subgroups_only_where_allowed_and_never_below_the_minimum() -> None:
    model = _model("XBAR_S", 5, centre=2.0, sigma=0.1, short_rate=0.1, min_measurements=4)
    sizes = [len(model.next().measurements) for _ in range(2000)]
    assert set(sizes) == {4, 5}
    assert abs(sizes.count(4) / 2000 - 0.1) < 4 * math.sqrt(0.09 / 2000)
    plain = _model("XBAR_S", 5, centre=2.0, sigma=0.1)
    assert {len(plain.next().measurements) for _ in range(500)} == {5}


def test_random_special_causes_start_at_the_event_rate() -> None:
    model = _model("I_MR", centre=0.0, sigma=1.0, event_rate=0.002)
    starts = 0
    previous = None
    for _ in range(50_000):
        cause = model.next().cause
        if cause is not None and cause is not previous:
            starts += 1
        previous = cause
    # Busy subgroups cannot start another cause: about 50 000 / (1/0.002 + mean length 25).
    expected = 50_000 / (1 / 0.002 + 25)
    assert abs(starts - expected) < 4 * math.sqrt(expected)
    assert _model("I_MR", event_rate=0.0).next().cause is None


def test_random_causes_are_realistic() -> None:
    rng = np.random.default_rng(3)
    causes = [random_cause(rng) for _ in range(2000)]
    shifts = [c for c in causes if c.kind == CauseKind.SHIFT]
    trends = [c for c in causes if c.kind == CauseKind.TREND]
    outliers = [c for c in causes if c.kind == CauseKind.OUTLIER]
    assert all(1.5 <= abs(c.size) <= 2.5 and 20 <= c.length <= 50 for c in shifts)
    assert all(2.0 <= abs(c.size) <= 3.0 and 20 <= c.length <= 40 for c in trends)
    assert all(4.0 <= abs(c.size) <= 5.0 and c.length == 1 for c in outliers)
    assert len(shifts) > len(trends) > 0
    assert len(outliers) > 0
    assert "+" in SpecialCause(CauseKind.SHIFT, 2.0, 30).describe()
