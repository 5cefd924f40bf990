"""A capability study as the page and the PDF print it: labelled, rounded, with units.

Presentation only: every number comes from the study dict of
:func:`spc.reports.capability_study.capability_study`; this module decides how many
decimals each gets (values with the characteristic's decimals, a mean one more, a sigma
two more, indices two, PPM one) and what each row is called.
"""

from __future__ import annotations

import math
from typing import Any

NONE = "—"
VERDICT_CLASSES = {
    "capable": "ok",
    "marginal": "warn",
    "not capable": "crit",
    "not in control": "crit",
    "not normal": "warn",
    "poor fit": "warn",
    "insufficient data": "none",
}


def number(value: float | None, places: int, unit: str = "") -> str:
    """``value`` with ``places`` decimals (and the unit); an em dash when missing."""
    if value is None or not math.isfinite(value):
        return NONE
    text = f"{value:,.{max(places, 0)}f}"
    return f"{text} {unit}" if unit else text


def ppm(value: float | None) -> str:
    """Parts per million as printed: one decimal, "< 0.1" for a trace, "0" for none."""
    if value is None:
        return NONE
    if value == 0:
        return "0"
    if value < 0.05:
        return "< 0.1"
    return f"{value:,.1f}"


def capability_view(study: dict[str, Any]) -> dict[str, Any]:
    """Rows and sentences of the capability block (indices, PPM, statistics, verdict)."""
    char = study["characteristic"]
    places = int(char.get("decimal_places", 3))
    unit = char.get("unit") or ""
    return {
        "verdict_class": VERDICT_CLASSES.get(study["verdict"], "none"),
        "indices": _indices(study),
        "cpk_interval": (
            f"{study['cpk_lower']:.2f} – {study['cpk_upper']:.2f}"
            if study.get("cpk_lower") is not None
            else NONE
        ),
        "confidence": f"{100 * study.get('confidence', 0.95):.0f} %",
        "ppm": _ppm_rows(study),
        "outside": _outside(study),
        "statistics": _statistics(study, places, unit),
    }


def _indices(study: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    def two(key: str) -> str:
        return number(study.get(key), 2)

    def pair(a: str, b: str) -> str:
        return f"{two(a)} / {two(b)}"

    return [
        ("Cp", two("cp"), "Pp", two("pp")),
        ("Cpk", two("cpk"), "Ppk", two("ppk")),
        ("Cpu / Cpl", pair("cpu", "cpl"), "Ppu / Ppl", pair("ppu", "ppl")),
        ("", "", "Cpm", two("cpm")),
    ]


def _ppm_rows(study: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    observed = study["ppm_observed"]
    within = study.get("ppm_within") or {}
    overall = study["ppm_overall"]
    rows = []
    for label, key in (("< LSL", "below"), ("> USL", "above"), ("Total", "total")):
        if key != "total" and observed[key] is None:
            continue
        rows.append((label, ppm(observed[key]), ppm(within.get(key)), ppm(overall[key])))
    return rows


def _outside(study: dict[str, Any]) -> str:
    """The observed counts behind the observed PPM, e.g. "2 of 425 values outside"."""
    observed, n = study["ppm_observed"], study["n"]
    counts = {
        key: round(observed[key] * n / 1_000_000)
        for key in ("below", "above")
        if observed[key] is not None
    }
    total = sum(counts.values())
    sides = [
        f"{counts[key]} {side}"
        for key, side in (("below", "below the LSL"), ("above", "above the USL"))
        if key in counts
    ]
    detail = f" ({', '.join(sides)})" if len(sides) > 1 and total else ""
    return f"Observed: {total:,} of {n:,} values outside the specification{detail}."


def _statistics(study: dict[str, Any], places: int, unit: str) -> list[tuple[str, str]]:
    normality = study.get("normality")
    if normality is None:
        tested = "not tested (fewer than 8 values)"
    else:
        p = normality["p_value"]
        shown = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
        verdict = "no evidence against normality" if normality["is_normal"] else "not normal"
        tested = f"Anderson–Darling A² = {normality['statistic']:.3f}, {shown}: {verdict}"
    excluded = study["excluded_count"]
    specs = " / ".join(number(study.get(k), places) for k in ("lsl", "target", "usl"))
    return [
        ("Data", f"{study['n']:,} values from {study['sample_count']:,} samples"
                 f" ({excluded} excluded sample{'s' if excluded != 1 else ''} left out)"),
        ("LSL / target / USL", f"{specs} {unit}".strip()),
        ("Mean", number(study["mean"], places + 1, unit)),
        ("σ within", _within(study, places, unit)),
        ("σ overall", number(study["sigma_overall"], places + 2, unit)
                      + " (sample standard deviation of all values)"),
        ("Normality", tested),
    ]  # fmt: skip


def _within(study: dict[str, Any], places: int, unit: str) -> str:
    """σ within and how it was estimated, e.g. "0.0101 mm: σ within = R̄/d₂ from ..."."""
    value = study.get("sigma_within")
    method = study.get("sigma_within_method") or ""
    if value is None:
        return method
    return (
        f"{number(value, places + 2, unit)} ({method})"
        if method
        else number(value, places + 2, unit)
    )
