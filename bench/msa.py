"""The MSA core's cost (issue 29): one 10 × 3 × 3 crossed study by ANOVA (with the design
check that builds the cube), the same by the AIAG average-and-range method, and a 50-part
× 3-appraiser × 3-trial attribute agreement study with a standard. Target: each < 5 ms.

Run: ``.venv/bin/python bench/msa.py``. Prints the best and median of 200 runs in ms.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spc.core.msa.anova_rr import anova_gauge_rr
from spc.core.msa.attribute import attribute_agreement
from spc.core.msa.average_range import average_range
from spc.core.msa.design import crossed_design


def timings(runs: int, func: Callable[[], object]) -> tuple[float, float]:
    """Best and median wall time in milliseconds of ``runs`` calls."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return min(times), statistics.median(times)


def main() -> None:
    """Measure and print."""
    rng = random.Random(29)
    parts = [rng.gauss(0, 1) for _ in range(10)]
    rows = [
        (p, op, parts[p] + 0.05 * o + rng.gauss(0, 0.2))
        for p in range(10)
        for o, op in enumerate("ABC")
        for _ in range(3)
    ]
    truth = {p: rng.choice("GB") for p in range(50)}
    ratings = {
        op: {p: [truth[p] if rng.random() < 0.9 else "GB"[truth[p] == "G"] for _ in range(3)]
             for p in range(50)}
        for op in "ABC"
    }  # fmt: skip
    cases = [
        ("crossed 10×3×3, ANOVA (with design check)",
         lambda: anova_gauge_rr(crossed_design(rows), tolerance=8.0)),
        ("crossed 10×3×3, average and range",
         lambda: average_range(crossed_design(rows))),
        ("attribute 50×3×3 with standard", lambda: attribute_agreement(ratings, truth)),
    ]  # fmt: skip
    for name, func in cases:
        func()  # warm up (imports, scipy's first call)
        best, median = timings(200, func)
        print(f"{name:45s} best {best:.2f} ms  median {median:.2f} ms")


if __name__ == "__main__":
    main()
