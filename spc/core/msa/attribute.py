"""Attribute agreement analysis (Minitab "Attribute Agreement Analysis"; AIAG MSA 4th ed.,
ch. III-C, the cross-tab / kappa method).

Input: ``ratings[appraiser][part]`` = that appraiser's ratings of the part, one per trial
(every appraiser rates every part the same number of times), and optionally
``standard[part]``, the known correct rating.

Assessment agreement, each with a 95 % Clopper–Pearson interval (Minitab's conventions):

* within appraiser: parts on which the appraiser agreed with themself on every trial;
* each appraiser vs standard: parts on which every trial matched the standard;
* between appraisers: parts on which every appraiser's every trial agreed;
* all appraisers vs standard: parts on which every rating matched the standard.

Kappas: Fleiss' kappa within each appraiser (trials as raters) and between appraisers (all
appraiser × trial ratings as raters); Cohen's kappa of each appraiser vs the standard and
of each pair of appraisers, with the trials paired in order (AIAG's cross tables).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from spc.core.errors import InputError
from spc.core.msa.kappa import clopper_pearson, cohen_kappa, fleiss_kappa


@dataclass(frozen=True)
class Agreement:
    """Matched of inspected, as a percentage with its 95 % interval."""

    label: str
    matched: int
    inspected: int
    percent: float
    ci_low: float
    ci_high: float
    kappa: float | None


@dataclass(frozen=True)
class AttributeAgreement:
    """The four agreement tables and the pairwise kappas."""

    within: tuple[Agreement, ...]
    vs_standard: tuple[Agreement, ...]
    between: Agreement
    all_vs_standard: Agreement | None
    pairwise_kappa: tuple[tuple[Hashable, Hashable, float | None], ...]


def _agreement(label: str, matched: int, inspected: int, kappa: float | None) -> Agreement:
    low, high = clopper_pearson(matched, inspected)
    return Agreement(
        label, matched, inspected, 100 * matched / inspected, 100 * low, 100 * high, kappa
    )


def _check(
    ratings: Mapping[Any, Mapping[Any, Sequence[Any]]],
    standard: Mapping[Any, Any] | None,
) -> tuple[list[Hashable], int]:
    if len(ratings) < 1:
        raise InputError("operators", "An attribute study needs at least one appraiser.")
    parts = list(next(iter(ratings.values())))
    if len(parts) < 2:
        raise InputError("parts", "An attribute study needs at least 2 parts.")
    trials = max(len(v) for by_part in ratings.values() for v in by_part.values())
    for appraiser, by_part in ratings.items():
        missing = [p for p in parts if p not in by_part]
        extra = [p for p in by_part if p not in set(parts)]
        if missing or extra:
            raise InputError(
                "measurements",
                f"Appraiser {appraiser} did not rate the same parts as the others "
                f"(missing {missing or extra}).",
            )
        short = [p for p in parts if len(by_part[p]) != trials]
        if short:
            raise InputError(
                "measurements",
                f"Missing trial: appraiser {appraiser} rated part(s) {short} fewer than "
                f"{trials} times.",
            )
    if trials < 1:
        raise InputError("trials", "Every part needs at least one rating.")
    if standard is not None:
        absent = [p for p in parts if p not in standard]
        if absent:
            raise InputError("standard", f"No standard rating for part(s) {absent}.")
    return parts, trials


def attribute_agreement(
    ratings: Mapping[Any, Mapping[Any, Sequence[Any]]],
    standard: Mapping[Any, Any] | None = None,
) -> AttributeAgreement:
    """The agreement analysis of a balanced attribute study."""
    parts, trials = _check(ratings, standard)
    n = len(parts)
    within = []
    vs_standard = []
    for appraiser, by_part in ratings.items():
        agreed = sum(len(set(by_part[p])) == 1 for p in parts)
        kappa = fleiss_kappa([by_part[p] for p in parts]) if trials >= 2 else None
        if trials >= 2:
            within.append(_agreement(str(appraiser), agreed, n, kappa))
        if standard is not None:
            hits = sum(all(v == standard[p] for v in by_part[p]) for p in parts)
            flat = [v for p in parts for v in by_part[p]]
            ref = [standard[p] for p in parts for _ in range(trials)]
            vs_standard.append(_agreement(str(appraiser), hits, n, cohen_kappa(flat, ref)))
    everyone = [[v for by_part in ratings.values() for v in by_part[p]] for p in parts]
    between = _agreement(
        "All appraisers",
        sum(len(set(r)) == 1 for r in everyone),
        n,
        fleiss_kappa(everyone) if len(everyone[0]) >= 2 else None,
    )
    all_vs = None
    if standard is not None:
        hits = sum(all(v == standard[p] for v in r) for p, r in zip(parts, everyone, strict=True))
        flat = [v for r in everyone for v in r]
        ref = [standard[p] for p, r in zip(parts, everyone, strict=True) for _ in r]
        all_vs = _agreement("All appraisers", hits, n, cohen_kappa(flat, ref))
    pairs = []
    for a, b in combinations(ratings, 2):
        left = [v for p in parts for v in ratings[a][p]]
        right = [v for p in parts for v in ratings[b][p]]
        pairs.append((a, b, cohen_kappa(left, right)))
    return AttributeAgreement(tuple(within), tuple(vs_standard), between, all_vs, tuple(pairs))
