"""The honest verdict when a non-normal model is chosen.

Pure Python; no Django. The same order as :mod:`spc.core.capability_assessment` with the
normality check replaced by the chosen model's goodness of fit:

1. not in statistical control (open violations, points beyond the limits) — unchanged;
2. poor fit — the chosen model is rejected by its Anderson–Darling test (p < 0.05):
   "Indices not reliable: the <model> does not fit the data";
3. fewer than 30 values: "insufficient data";
4. otherwise what the percentile Ppk says: capable (≥ 1.33), marginal (≥ 1.0),
   not capable.

With the normal distribution chosen the normal study's assessment stands as it is.
"""

from __future__ import annotations

from spc.core.capability import (
    CAPABLE,
    CAPABLE_CPK,
    INSUFFICIENT_DATA,
    MARGINAL,
    MARGINAL_CPK,
    MIN_VERDICT_N,
    NOT_CAPABLE,
    Capability,
)
from spc.core.capability_assessment import (
    HEADLINES,
    NOT_IN_CONTROL,
    Assessment,
    Stability,
    assess,
    sample_size_warnings,
    stability_warnings,
)
from spc.core.nonnormal.models import LABELS, NORMAL
from spc.core.nonnormal.study import NonNormalCapability

POOR_FIT = "poor fit"


def assess_nonnormal(
    result: Capability, stability: Stability | None, chosen: NonNormalCapability
) -> Assessment:
    """Weigh stability, then the chosen model's fit, then the percentile Ppk."""
    base = assess(result, stability)
    if chosen.distribution == NORMAL:
        return base
    warnings = [*stability_warnings(stability), *_fit_warnings(chosen)]
    if base.in_control is False:
        verdict = NOT_IN_CONTROL
    elif not chosen.acceptable:
        verdict = POOR_FIT
    else:
        verdict = chosen.index_verdict
    warnings.extend(sample_size_warnings(chosen.n))
    return Assessment(
        verdict=verdict,
        index_verdict=chosen.index_verdict,
        headline=_headline(verdict, chosen),
        warnings=tuple(warnings),
        in_control=base.in_control,
        normal=base.normal,
    )


def _headline(verdict: str, chosen: NonNormalCapability) -> str:
    if verdict == NOT_IN_CONTROL:
        return HEADLINES[NOT_IN_CONTROL]
    if verdict == POOR_FIT:
        return (
            f"Indices not reliable: the {chosen.label} does not fit the data "
            f"(Anderson–Darling {chosen.p_text})"
        )
    if verdict == INSUFFICIENT_DATA:
        return f"Insufficient data: {chosen.n} values, at least {MIN_VERDICT_N} needed"
    assert chosen.ppk is not None  # the verdict is insufficient data without an index
    side = ", one-sided" if chosen.one_sided else ""
    name = f"Ppk {chosen.ppk:.2f} from the {chosen.label}{side}"
    if verdict == CAPABLE:
        return f"Capable ({name} ≥ {CAPABLE_CPK:.2f})"
    if verdict == MARGINAL:
        return f"Marginal ({name}, between {MARGINAL_CPK:.2f} and {CAPABLE_CPK:.2f})"
    assert verdict == NOT_CAPABLE
    return f"Not capable ({name} < {MARGINAL_CPK:.2f})"


def _fit_warnings(chosen: NonNormalCapability) -> list[str]:
    warnings = [
        f"Ppk and the expected PPM come from the {chosen.label} (percentile method, "
        "ISO 22514-2); the σ-based indices assume a normal distribution."
    ]
    if not chosen.acceptable:
        warnings.append(
            f"The {chosen.label} is rejected: Anderson–Darling A² = {chosen.statistic:.3f}, "
            f"{chosen.p_text} < 0.05."
        )
    if chosen.best_fit is not None and chosen.best_fit != chosen.distribution:
        best = next(row for row in chosen.fits if row.distribution == chosen.best_fit)
        warnings.append(
            f"The best fit is the {best.label or LABELS[best.distribution]} ({best.p_text})."
        )
    return warnings
