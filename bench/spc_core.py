"""The SPC core's headline figures (issue 3): streaming rules, recalculation, capability.

Run: ``.venv/bin/python bench/spc_core.py``. Prints microseconds per point for the
streaming evaluator with all eight Nelson rules, the time to recalculate limits for
100,000 individual values and for 20,000 subgroups of 5, and capability for 100,000 values.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spc.core.capability import capability
from spc.core.recalc import recalculate
from spc.core.rules import NELSON, latest, max_length
from spc.core.types import ChartType, Subgroup


def best_of(runs: int, func: object) -> float:
    """Best wall time in milliseconds of ``runs`` calls."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return min(times)


def main() -> None:
    """Measure and print."""
    rng = random.Random(3)
    z = [rng.gauss(0, 1) for _ in range(100_000)]
    window = max_length(NELSON)
    per_point = []
    for i in range(window, len(z)):
        started = time.perf_counter()
        latest(z[i - window : i + 1], NELSON, offset=i - window)
        per_point.append((time.perf_counter() - started) * 1e6)
    q = statistics.quantiles(per_point, n=100)
    print(f"streaming, 8 Nelson rules  p50 {q[49]:.1f} µs  p99 {q[98]:.1f} µs per point")

    individuals = [Subgroup(measurements=(rng.gauss(10, 1),)) for _ in range(100_000)]
    subgroups = [
        Subgroup(measurements=tuple(rng.gauss(10, 1) for _ in range(5))) for _ in range(20_000)
    ]
    ms = best_of(3, lambda: recalculate(ChartType.I_MR, individuals, 1))
    print(f"recalculate I-MR, 100,000 values        {ms:.1f} ms")
    ms = best_of(3, lambda: recalculate(ChartType.XBAR_R, subgroups, 5))
    print(f"recalculate X-bar R, 20,000 subgroups   {ms:.1f} ms")
    ms = best_of(3, lambda: recalculate(ChartType.I_MR, individuals, 1, drop_out_of_control=True))
    print(f"  ... I-MR dropping out-of-control      {ms:.1f} ms")
    values = [rng.gauss(10, 1) for _ in range(100_000)]
    ms = best_of(3, lambda: capability(values, usl=14.0, lsl=6.0, sigma_within=1.0))
    print(f"capability, 100,000 values              {ms:.1f} ms")


if __name__ == "__main__":
    main()
