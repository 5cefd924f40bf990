"""Speed of the pure SPC core's limits, recalculation and one-point evaluator.

Run: ``.venv/bin/python bench/spc_core_limits.py [--subgroups 10000] [--points 20000]``.
Prints compute_limits time for ``--subgroups`` subgroups per chart type, recalculation with
iterative dropping, and evaluate() calls per second with p50/p99 microseconds for an X-bar R
chart (n = 5) with all eight Nelson rules.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spc.core import rules
from spc.core.evaluate import CharacteristicConfig, evaluate, window_capacity
from spc.core.limits import compute_limits
from spc.core.recalc import recalculate
from spc.core.types import ChartType, Subgroup, SubgroupMode
from spc.core.window import RollingWindow

SIZES = {
    ChartType.XBAR_R: 5,
    ChartType.XBAR_S: 5,
    ChartType.I_MR: 1,
    ChartType.P: 50,
    ChartType.NP: 50,
    ChartType.C: 1,
    ChartType.U: 5,
    ChartType.EWMA: 1,
    ChartType.CUSUM: 5,
}


def baseline(chart: ChartType, count: int, rng: random.Random) -> list[Subgroup]:
    """``count`` in-control subgroups of the chart's bench size."""
    n = SIZES[chart]
    if chart in (ChartType.P, ChartType.NP):
        return [
            Subgroup(count=sum(rng.random() < 0.1 for _ in range(n)), sample_size=n)
            for _ in range(count)
        ]
    if chart in (ChartType.C, ChartType.U):
        return [Subgroup(count=rng.randint(0, 12), sample_size=n) for _ in range(count)]
    return [Subgroup(tuple(rng.gauss(10.0, 1.0) for _ in range(n))) for _ in range(count)]


def best_of(repeat: int, call) -> float:
    """The fastest of ``repeat`` runs, in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def bench_limits(count: int, rng: random.Random) -> None:
    print(f"compute_limits, {count} subgroups (best of 3):")
    for chart, n in SIZES.items():
        data = baseline(chart, count, rng)
        ms = best_of(3, lambda c=chart, d=data, k=n: compute_limits(c, d, k))
        print(f"  {chart.value:7s} n={n:<3d} {ms:8.1f} ms")
    for chart in (ChartType.I_MR, ChartType.XBAR_R):
        data = baseline(chart, count, rng)
        ms = best_of(
            3,
            lambda c=chart, d=data: recalculate(c, d, SIZES[c], drop_out_of_control=True),
        )
        print(f"  recalculate {chart.value} with dropping: {ms:8.1f} ms")


def bench_evaluate(points: int, rng: random.Random) -> None:
    limits = compute_limits(ChartType.XBAR_R, baseline(ChartType.XBAR_R, 100, rng), 5)
    config = CharacteristicConfig(
        chart_type=ChartType.XBAR_R,
        subgroup_size=5,
        subgroup_mode=SubgroupMode.NOMINAL_TOLERANCE,
        min_measurements=1,
        warn_below_count=None,
        limits=limits,
        ruleset=rules.NELSON,
    )
    window = RollingWindow(window_capacity(config))
    subgroups = baseline(ChartType.XBAR_R, points, rng)
    timings = []
    signals = 0
    start = time.perf_counter()
    for i, subgroup in enumerate(subgroups):
        t0 = time.perf_counter()
        result = evaluate(window, subgroup, config)
        timings.append(time.perf_counter() - t0)
        window.append(result.point, i)
        signals += len(result.signals)
    total = time.perf_counter() - start
    timings.sort()
    p50 = statistics.median(timings) * 1e6
    p99 = timings[int(0.99 * (len(timings) - 1))] * 1e6
    print(f"evaluate(), X-bar R n=5, Nelson rules 1-8, {points} points:")
    print(
        f"  {points / total:,.0f} calls/s (incl. window append); p50 {p50:.1f} µs, p99 {p99:.1f} µs"
    )
    print(f"  ({signals} signals raised on in-control data)")


def main() -> None:
    """Parse the options and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subgroups", type=int, default=10_000)
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    bench_limits(args.subgroups, rng)
    bench_evaluate(args.points, rng)


if __name__ == "__main__":
    main()
