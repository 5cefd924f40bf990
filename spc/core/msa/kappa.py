"""Agreement statistics: Fleiss' kappa, Cohen's kappa and Clopper–Pearson intervals.

* Fleiss' kappa (Fleiss 1971, "Measuring nominal scale agreement among many raters"):
  N subjects, n ratings each, n_ij ratings of subject i in category j;
  P_i = (Σ_j n_ij² − n)/(n(n − 1)), P̄ = mean P_i, p_j = Σ_i n_ij/(N·n),
  P̄_e = Σ p_j², κ = (P̄ − P̄_e)/(1 − P̄_e).
* Cohen's kappa (Cohen 1960): κ = (p_o − p_e)/(1 − p_e) from the two raters' cross table.
* Clopper–Pearson exact interval (Clopper & Pearson 1934) for x successes of n:
  [B(α/2; x, n − x + 1), B(1 − α/2; x + 1, n − x)], 0 and 1 at the ends.

A kappa whose chance agreement is 1 (every rating the same category) is undefined and is
returned as None, never NaN.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence

from scipy import stats


def fleiss_kappa(subjects: Sequence[Sequence[Hashable]]) -> float | None:
    """Fleiss' kappa of subjects each rated the same number of times."""
    if not subjects:
        return None
    n = len(subjects[0])
    if n < 2 or any(len(s) != n for s in subjects):
        raise ValueError("every subject needs the same number (≥ 2) of ratings")
    big_n = len(subjects)
    totals: Counter[Hashable] = Counter()
    p_bar = 0.0
    for ratings in subjects:
        counts = Counter(ratings)
        totals.update(counts)
        p_bar += (sum(c * c for c in counts.values()) - n) / (n * (n - 1))
    p_bar /= big_n
    p_e = sum((c / (big_n * n)) ** 2 for c in totals.values())
    if p_e >= 1:
        return None
    return (p_bar - p_e) / (1 - p_e)


def cohen_kappa(first: Sequence[Hashable], second: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two raters' paired ratings."""
    if len(first) != len(second) or not first:
        raise ValueError("two equally long, non-empty rating lists are needed")
    n = len(first)
    p_o = sum(a == b for a, b in zip(first, second, strict=True)) / n
    left, right = Counter(first), Counter(second)
    p_e = sum(left[c] * right[c] for c in left) / (n * n)
    if p_e >= 1:
        return None
    return (p_o - p_e) / (1 - p_e)


def clopper_pearson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """The exact binomial confidence interval for ``successes`` of ``trials``."""
    if trials <= 0 or not 0 <= successes <= trials:
        raise ValueError("need 0 ≤ successes ≤ trials and trials > 0")
    alpha = 1 - confidence
    low = (
        0.0
        if successes == 0
        else float(stats.beta.ppf(alpha / 2, successes, trials - successes + 1))
    )
    high = (
        1.0
        if successes == trials
        else float(stats.beta.ppf(1 - alpha / 2, successes + 1, trials - successes))
    )
    return low, high
