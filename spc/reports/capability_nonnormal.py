"""The non-normal part of a capability study: fit table, chosen model, percentile indices.

The Django side of :func:`spc.core.nonnormal.nonnormal_capability` and
:func:`spc.core.nonnormal.assessment.assess_nonnormal`: it maps the core's result to plain
JSON-able data (``study["nonnormal"]``) and to the rows the page and the PDF print. No
statistics here.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np

from spc.core.capability import Capability
from spc.core.capability_assessment import Assessment, Stability
from spc.core.errors import InputError
from spc.core.nonnormal import NonNormalCapability, nonnormal_capability
from spc.core.nonnormal.assessment import assess_nonnormal
from spc.core.nonnormal.models import AUTO, CHOICES, LABELS
from spc.reports.display import NONE, number, ppm

#: The distribution chooser's options: "normal" first (the page's default), then the best
#: fit, then each family and transformation.
DISTRIBUTION_CHOICES = [
    ("normal", "Normal"),
    (AUTO, "Best fit (highest Anderson–Darling p)"),
    *((name, LABELS[name]) for name in CHOICES if name != "normal"),
]
PARAMETER_NAMES = {
    "mean": "mean",
    "sigma": "σ",
    "location": "location",
    "scale": "scale",
    "shape": "shape",
    "lambda": "λ",
    "rounded_lambda": "rounded λ",
    "gamma": "γ",
    "eta": "η",
    "epsilon": "ε",
}


def nonnormal_part(
    values: np.ndarray,
    result: Capability,
    stability: Stability,
    *,
    usl: float | None,
    lsl: float | None,
    distribution: str,
    lam: float | None,
    strict: bool,
) -> tuple[dict[str, Any] | None, str, Assessment | None]:
    """(``study["nonnormal"]``, error message, assessment with the chosen model weighed).

    With ``strict`` a refusal (too few values, non-positive values for the chosen family,
    a bad λ) raises ``InputError`` for the API's 400; otherwise it comes back as the
    message and the normal study stands alone (the page, exports and PDF).
    """
    try:
        bars = result.histogram
        chosen = nonnormal_capability(
            values, usl=usl, lsl=lsl, distribution=distribution, lam=lam,
            curve_x=bars.curve_x, bin_width=bars.edges[1] - bars.edges[0],
        )  # fmt: skip
    except InputError as exc:
        if strict:
            raise
        return None, exc.message, None
    return nonnormal_dict(chosen), "", assess_nonnormal(result, stability, chosen)


def nonnormal_dict(chosen: NonNormalCapability) -> dict[str, Any]:
    """The core result as JSON-able data: parameters as objects, tuples as lists."""
    data = asdict(chosen)
    data["parameters"] = dict(chosen.parameters)
    data["fits"] = [{**asdict(row), "parameters": dict(row.parameters)} for row in chosen.fits]
    data["plot"] = {
        key: [list(v) for v in value] if key == "ticks" else _plain(value)
        for key, value in data["plot"].items()
    }
    return data


def nonnormal_view(nonnormal: dict[str, Any], places: int, unit: str) -> dict[str, Any]:
    """Rows of the fit table and the percentile block, as printed."""
    indices = [
        ("Pp", number(nonnormal["pp"], 2)),
        ("Ppk", number(nonnormal["ppk"], 2)),
        ("Ppu / Ppl", f"{number(nonnormal['ppu'], 2)} / {number(nonnormal['ppl'], 2)}"),
    ]
    transformed = nonnormal.get("transformed")
    if transformed:
        indices.append(
            (
                "Ppk, transformed scale",
                f"{number(transformed['ppk'], 2)} (Pp {number(transformed['pp'], 2)})",
            )
        )
    expected = nonnormal["ppm_expected"]
    return {
        "fits": [_fit_row(row) for row in nonnormal["fits"]],
        "indices": indices,
        "percentiles": [
            ("X0.135", number(nonnormal["percentile_low"], places + 1, unit)),
            ("Median X50", number(nonnormal["median"], places + 1, unit)),
            ("X99.865", number(nonnormal["percentile_high"], places + 1, unit)),
        ],
        "ppm": [
            (label, ppm(expected[key]))
            for label, key in (("< LSL", "below"), ("> USL", "above"), ("Total", "total"))
            if key == "total" or expected[key] is not None
        ],
        "parameters": parameters_text(nonnormal["parameters"]),
    }


def parameters_text(parameters: dict[str, float]) -> str:
    """Fitted parameters as "shape 2.10, scale 81.9" (4 significant digits)."""
    return ", ".join(
        f"{PARAMETER_NAMES.get(name, name)} {value:.4g}" for name, value in parameters.items()
    )


def _fit_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "distribution": row["distribution"],
        "label": row["label"],
        "statistic": NONE if row["statistic"] is None else f"{row['statistic']:.3f}",
        "p": row["p_text"] or NONE,
        "parameters": parameters_text(row["parameters"]) if not row["error"] else row["error"],
        "best": row["best"],
        "fitted": not row["error"],
    }


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
