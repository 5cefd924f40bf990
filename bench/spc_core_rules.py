"""Speed of the run-rule engine (``spc.core.rules``) with all eight Nelson rules on.

Run: ``.venv/bin/python bench/spc_core_rules.py [--stream 100000] [--batch 1000000]``.
Prints streaming evaluations per second (``latest`` over a tail of ``max_length`` points,
one call per point), p50/p99 microseconds per ``latest`` call, and batch ``scan`` points
per second. The series is in-control normal noise with a few sustained shifts and drifts,
so the rules do fire; the streamed signals are checked against the batch scan.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spc.core.rules import NELSON, latest, max_length, scan


def make_series(n: int, seed: int = 20261123) -> list[float]:
    """Standard normal z with a 1.5-sigma shift and a slow drift every 5,000 points."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(n)
    for start in range(2_000, n, 5_000):
        z[start : start + 60] += 1.5
        z[start + 1_000 : start + 1_010] += np.linspace(
            0.0, 3.0, len(z[start + 1_000 : start + 1_010])
        )
    return [float(v) for v in z]


def bench_streaming(n: int) -> None:
    z = make_series(n)
    ruleset = NELSON
    length = max_length(ruleset)
    durations = []
    signals = []
    clock = time.perf_counter_ns
    for i in range(n):
        start = max(0, i + 1 - length)
        tail = z[start : i + 1]
        t0 = clock()
        found = latest(tail, ruleset, offset=start)
        durations.append(clock() - t0)
        signals.extend(found)
    total_s = sum(durations) / 1e9
    quantiles = statistics.quantiles(durations, n=100)
    print(f"streaming: {n:,} points, NELSON (8 rules), tail of {length} points")
    print(f"  evaluations per second: {n / total_s:,.0f}")
    print(
        f"  latest() per call: p50 {quantiles[49] / 1000:.1f} µs, p99 {quantiles[98] / 1000:.1f} µs"
    )
    agree = signals == scan(z, ruleset)
    print(f"  signals: {len(signals):,}; streaming == batch scan: {agree}")
    if not agree:
        raise SystemExit("streaming and batch disagree")


def bench_batch(n: int) -> None:
    z = np.asarray(make_series(n))
    t0 = time.perf_counter()
    signals = scan(z, NELSON)
    elapsed = time.perf_counter() - t0
    print(f"batch scan: {n:,} points, NELSON (8 rules)")
    print(f"  points per second: {n / elapsed:,.0f}")
    print(f"  ({elapsed * 1000:.0f} ms in all, {len(signals):,} signals)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stream", type=int, default=100_000, help="points for streaming")
    parser.add_argument("--batch", type=int, default=1_000_000, help="points for the scan")
    args = parser.parse_args()
    bench_streaming(args.stream)
    bench_batch(args.batch)


if __name__ == "__main__":
    main()
