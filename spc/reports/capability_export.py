"""The capability table of the exports: one row per variables characteristic.

The same study as the capability page (:func:`spc.reports.capability_study`), flattened:
indices, sigmas and how σ within was estimated, normality, observed and expected PPM,
the best-fit distribution with its percentile Pp/Ppk and expected PPM (information: the
verdict stays the normal study's), stability counts and the honest verdict with its
headline and warnings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from spc.core.errors import InputError
from spc.core.nonnormal import AUTO
from spc.core.types import ChartType
from spc.reports.capability_study import capability_study
from spc.reports.cells import BOOL, INT, NUMBER, Column, Row, Table
from spc.reports.scope import ReportScope


def _index(key: str, label: str) -> Column:
    return Column(key, label, NUMBER, 9, decimals=3)


def _ppm(key: str, label: str) -> Column:
    return Column(key, label, NUMBER, 13, decimals=1)


CAPABILITY_COLUMNS = [
    Column("characteristic_id", "Characteristic ID", INT, 12),
    Column("characteristic", "Characteristic", width=24),
    Column("node", "Node", width=18),
    Column("unit", "Unit", width=8),
    Column("usl", "USL", NUMBER, 10),
    Column("lsl", "LSL", NUMBER, 10),
    Column("target", "Target", NUMBER, 10),
    Column("sample_count", "Samples", INT, 9),
    Column("excluded_count", "Excluded samples", INT, 10),
    Column("n", "Values", INT, 9),
    Column("mean", "Mean", NUMBER, 11, extra=1),
    Column("sigma_within", "σ within", NUMBER, 11, extra=2),
    Column("sigma_within_source", "σ within source", width=12),
    Column("sigma_within_method", "σ within method", width=44),
    Column("sigma_overall", "σ overall", NUMBER, 11, extra=2),
    _index("cp", "Cp"),
    _index("cpk", "Cpk"),
    _index("cpk_lower", "Cpk 95% lower"),
    _index("cpk_upper", "Cpk 95% upper"),
    _index("pp", "Pp"),
    _index("ppk", "Ppk"),
    _index("cpm", "Cpm"),
    _index("anderson_darling", "Anderson–Darling A²"),
    Column("normality_p_value", "Normality p", NUMBER, 10, decimals=4),
    Column("is_normal", "Normal", BOOL, 8),
    _ppm("ppm_observed", "Observed PPM"),
    _ppm("ppm_expected_within", "Expected PPM within"),
    _ppm("ppm_expected_overall", "Expected PPM overall"),
    Column("best_fit", "Best-fit distribution", width=24),
    Column("best_fit_p", "Best-fit p", width=12),
    _index("best_fit_pp", "Pp (best fit, percentile)"),
    _index("best_fit_ppk", "Ppk (best fit, percentile)"),
    _ppm("best_fit_ppm", "Expected PPM (best fit)"),
    Column("open_violations", "Open violations", INT, 10),
    Column("beyond_limits", "Points beyond limits", INT, 10),
    Column("verdict", "Verdict", width=16),
    Column("note", "Note", width=60),
]
#: The machine names of the capability columns (the reports API's JSON keys).
CAPABILITY_KEYS = [c.key for c in CAPABILITY_COLUMNS]


def capability_table(scope: ReportScope) -> Table:
    """One row per variables characteristic: the capability study over the period."""
    chars = [c for c in scope.characteristics() if ChartType(c.chart_type).is_variable]
    decimals = {c.pk: c.decimal_places for c in chars}

    def rows() -> Iterator[Row]:
        for char in chars:
            yield capability_row(char, scope)

    return Table(
        "capability",
        "Capability",
        CAPABILITY_COLUMNS,
        rows(),
        lambda: len(chars),
        decimals=lambda row: decimals.get(row[0], 3),
    )


def capability_row(char: Any, scope: ReportScope) -> Row:
    """The capability summary of one characteristic; a note instead of numbers when the
    study cannot be computed (no spec limit, too few values, zero spread)."""
    head = [char.pk, char.name, char.hierarchy.name, char.unit, char.usl, char.lsl, char.target]
    try:
        s = capability_study(
            char, start=scope.start, end=scope.end, distribution=AUTO, strict=False,
            judge_fit=False,
        )  # fmt: skip
    except InputError as exc:
        return [*head, *[None] * (len(CAPABILITY_COLUMNS) - len(head) - 1), exc.message]
    normality = s["normality"] or {}
    within = s["ppm_within"] or {}
    note = " ".join([s["verdict_text"] + ".", *s["warnings"]])
    fit = s["nonnormal"] or {}
    if s["nonnormal_error"]:
        note += f" No distribution fit: {s['nonnormal_error']}"
    return [
        *head, s["sample_count"], s["excluded_count"], s["n"], s["mean"], s["sigma_within"],
        s["sigma_within_source"] or "", s["sigma_within_method"], s["sigma_overall"], s["cp"],
        s["cpk"], s["cpk_lower"], s["cpk_upper"], s["pp"], s["ppk"], s["cpm"],
        normality.get("statistic"), normality.get("p_value"), normality.get("is_normal"),
        s["ppm_observed"]["total"], within.get("total"), s["ppm_overall"]["total"],
        fit.get("label"), fit.get("p_text"), fit.get("pp"), fit.get("ppk"),
        (fit.get("ppm_expected") or {}).get("total"),
        s["stability"]["open_violations"], s["stability"]["beyond_limits"], s["verdict"], note,
    ]  # fmt: skip
