"""Speed of the non-normal capability core on a large study.

Run: ``.venv/bin/python bench/spc_nonnormal.py [--values 100000] [--repeat 3]``.
Prints, for ``--values`` skewed values (Weibull, shape 1.8), the best-of-``repeat`` time of
one whole study — it fits Box-Cox, Johnson and the five distributions for the fit table,
then the indices, PPM and plot of the chosen model — with Box-Cox chosen, with Johnson
chosen and with the best fit ("auto"). Then the parts: Box-Cox λ alone, Johnson
selection alone, the five distribution fits. Target: one study (Box-Cox and Johnson
included) under 1 s for 100,000 values.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spc.core.nonnormal import nonnormal_capability
from spc.core.nonnormal.boxcox import boxcox_lambda
from spc.core.nonnormal.distributions import (
    fit_exponential,
    fit_gamma,
    fit_lognormal,
    fit_normal,
    fit_weibull,
)
from spc.core.nonnormal.johnson import fit_johnson


def best_of(repeat: int, call: Callable[[], object]) -> float:
    """The fastest of ``repeat`` runs, in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--values", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    values = np.random.default_rng(1).weibull(1.8, args.values) * 10.0
    ordered = np.sort(values)
    n, r = args.values, args.repeat
    print(f"non-normal capability, {n:,} values (Weibull shape 1.8), best of {r}")

    def study(name: str) -> Callable[[], object]:
        return lambda: nonnormal_capability(values, usl=40.0, lsl=0.2, distribution=name)

    boxcox_ms = best_of(r, study("boxcox"))
    johnson_ms = best_of(r, study("johnson"))
    print(f"  study, Box-Cox           {boxcox_ms:8.1f} ms")
    print(f"  study, Johnson           {johnson_ms:8.1f} ms")
    both = boxcox_ms + johnson_ms
    print(f"  (target: a study under 1000 ms; both studies together {both:.0f} ms)")
    print(f"  study, best fit (auto)   {best_of(r, study('auto')):8.1f} ms")
    print("parts")
    print(f"  Box-Cox λ (ML)           {best_of(r, lambda: boxcox_lambda(ordered)):8.1f} ms")
    print(f"  Johnson selection        {best_of(r, lambda: fit_johnson(ordered)):8.1f} ms")
    fits = (fit_normal, fit_lognormal, fit_weibull, fit_exponential, fit_gamma)
    five = best_of(r, lambda: [fit(ordered) for fit in fits])
    print(f"  five distribution fits   {five:8.1f} ms")


if __name__ == "__main__":
    main()
