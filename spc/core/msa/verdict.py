"""The AIAG verdict on a gauge study, with thresholds a plant may change.

AIAG MSA 4th ed., ch. II-D / III-B: %GRR under 10 % is acceptable; 10 % to 30 % may be
acceptable depending on the application (conditional); over 30 % is unacceptable. The
number of distinct categories should be 5 or more. Here a study whose ndc is below the
minimum can be no better than *conditional* (it is judged by its %GRR otherwise).
%GRR is the %Tolerance when the study has a tolerance, else the %Study variation.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    """The outcome of a study, as the REST contract spells it."""

    ACCEPTABLE = "ACCEPTABLE"
    CONDITIONAL = "CONDITIONAL"
    UNACCEPTABLE = "UNACCEPTABLE"


@dataclass(frozen=True)
class Thresholds:
    """%GRR limits (percent) and the minimum ndc; AIAG's defaults."""

    acceptable_below: float = 10.0
    unacceptable_above: float = 30.0
    min_ndc: int = 5


@dataclass(frozen=True)
class Judgement:
    """The verdict with the reasons a person reads."""

    verdict: Verdict
    reasons: tuple[str, ...]


def judge(pct_grr: float, ndc: int | None, thresholds: Thresholds | None = None) -> Judgement:
    """The verdict for a %GRR and an ndc (None: σ_GRR is 0, no ndc limit applies)."""
    t = thresholds or Thresholds()
    if pct_grr < t.acceptable_below:
        verdict = Verdict.ACCEPTABLE
        reasons = [f"%GRR {pct_grr:.1f} % is under {t.acceptable_below:g} %."]
    elif pct_grr <= t.unacceptable_above:
        verdict = Verdict.CONDITIONAL
        reasons = [
            f"%GRR {pct_grr:.1f} % lies between {t.acceptable_below:g} % and "
            f"{t.unacceptable_above:g} %: acceptable depending on the application."
        ]
    else:
        verdict = Verdict.UNACCEPTABLE
        reasons = [f"%GRR {pct_grr:.1f} % is over {t.unacceptable_above:g} %."]
    if ndc is not None and ndc < t.min_ndc:
        reasons.append(f"ndc {ndc} is below {t.min_ndc}: the gauge cannot tell enough parts apart.")
        if verdict is Verdict.ACCEPTABLE:
            verdict = Verdict.CONDITIONAL
    return Judgement(verdict, tuple(reasons))


def judge_type1(cg: float, cgk: float, minimum: float = 1.33) -> Judgement:
    """A Type 1 study passes when Cg and Cgk both reach ``minimum`` (1.33, VDA 5)."""
    if cg >= minimum and cgk >= minimum:
        return Judgement(Verdict.ACCEPTABLE, (f"Cg and Cgk are at least {minimum:g}.",))
    return Judgement(Verdict.UNACCEPTABLE, (f"Cg {cg:.2f} or Cgk {cgk:.2f} is below {minimum:g}.",))


def judge_attribute(percent_vs_standard: float, kappa: float | None) -> Judgement:
    """AIAG's attribute guidance: effectiveness ≥ 90 % and kappa ≥ 0.75 are acceptable,
    effectiveness ≥ 80 % conditional, below that (or kappa < 0.4) unacceptable."""
    k = kappa if kappa is not None else 1.0
    if percent_vs_standard >= 90 and k >= 0.75:
        return Judgement(Verdict.ACCEPTABLE, ("Agreement ≥ 90 % and kappa ≥ 0.75.",))
    if percent_vs_standard >= 80 and k >= 0.4:
        return Judgement(Verdict.CONDITIONAL, ("Agreement ≥ 80 %: marginal.",))
    return Judgement(Verdict.UNACCEPTABLE, ("Agreement under 80 % or kappa under 0.4.",))
