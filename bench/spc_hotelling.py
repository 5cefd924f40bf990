"""Speed of Hotelling T² in the pure core (issue 20 target: one evaluation < 50 µs for 10
variables).

Run: ``.venv/bin/python bench/spc_hotelling.py [--variables 10] [--baseline 100]
[--points 20000]``. Prints, for a group of ``--variables`` characteristics: the phase I
limit calculation (fit over ``--baseline`` observations + beta and F limits), one T²
evaluation (p50/p99 µs and calls per second) and one T² + MYT contributions evaluation.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spc.core.hotelling import (
    contributions,
    fit_individuals,
    phase_one_ucl,
    phase_two_ucl,
    t_squared,
    top_contributors,
)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.99)]


def main() -> None:
    """Parse arguments, time each step, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--variables", type=int, default=10)
    parser.add_argument("--baseline", type=int, default=100)
    parser.add_argument("--points", type=int, default=20000)
    args = parser.parse_args()
    p = args.variables
    rng = np.random.default_rng(20)
    cov = np.full((p, p), 0.4) + 0.6 * np.eye(p)
    baseline = rng.multivariate_normal(np.zeros(p), cov, size=args.baseline).tolist()
    points = rng.multivariate_normal(np.zeros(p), cov, size=args.points).tolist()

    fits = []
    for _ in range(50):
        started = time.perf_counter()
        model = fit_individuals(baseline)
        phase_one_ucl(model.m, p, 0.0027)
        phase_two_ucl(model.m, p, 0.0027)
        fits.append(time.perf_counter() - started)
    print(
        f"phase I limits, {p} variables × {args.baseline} observations: "
        f"median {statistics.median(fits) * 1e3:.2f} ms"
    )

    timings = []
    clock = time.perf_counter
    for x in points:
        started = clock()
        t_squared(model, x)
        timings.append(clock() - started)
    p50, p99 = _percentiles(timings)
    started = clock()
    for x in points:
        t_squared(model, x)
    rate = len(points) / (clock() - started)
    print(
        f"one T² evaluation, {p} variables: p50 {p50 * 1e6:.1f} µs, p99 {p99 * 1e6:.1f} µs, "
        f"{rate:,.0f}/s (target < 50 µs)"
    )

    timings = []
    for x in points[:5000]:
        started = clock()
        top_contributors(contributions(model, x))
        timings.append(clock() - started)
    p50, p99 = _percentiles(timings)
    print(
        f"T² contributions (MYT) + top two, {p} variables: "
        f"p50 {p50 * 1e6:.1f} µs, p99 {p99 * 1e6:.1f} µs"
    )


if __name__ == "__main__":
    main()
