"""Plotly figures (plain dicts) of a study's analysis: the usual gauge R&R six-pack,
the bias/linearity plot, the Type 1 run chart and the attribute agreement chart.

Input is :func:`msa.analysis.analyse`'s JSON; nothing here reads the database.
"""

from __future__ import annotations

from typing import Any

from spc.core.constants import a2, d3_factor, d4_factor

Figure = dict[str, Any]
_LAYOUT = {"margin": {"l": 50, "r": 20, "t": 30, "b": 40}, "legend": {"orientation": "h"}}
_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


def _fig(data: list[dict[str, Any]], title: str, **layout: Any) -> Figure:
    return {"data": data, "layout": {**_LAYOUT, "title": {"text": title}, **layout}}


def components_figure(result: dict[str, Any]) -> Figure:
    """Components of variation: %Contribution, %Study var (and %Tolerance) per source."""
    keep = ("Total Gage R&R", "Repeatability", "Reproducibility", "Part-to-Part")
    rows = [r for r in result["components"] if r["source"] in keep]
    names = [r["source"] for r in rows]
    data = [
        {"type": "bar", "name": "% Contribution", "x": names,
         "y": [r["pct_contribution"] for r in rows]},
        {"type": "bar", "name": "% Study var", "x": names, "y": [r["pct_study_var"] for r in rows]},
    ]  # fmt: skip
    if rows and rows[0]["pct_tolerance"] is not None:
        tol = [r["pct_tolerance"] for r in rows]
        data.append({"type": "bar", "name": "% Tolerance", "x": names, "y": tol})
    return _fig(data, "Components of variation", barmode="group", yaxis={"title": "%"})


def _by_operator_chart(result: dict[str, Any], kind: str) -> Figure:
    cube = result["cube"]  # [part][operator][trial]
    parts, operators = result["parts"], result["operators"]
    trials = len(cube[0][0])
    x_labels: list[str] = []
    values: list[float] = []
    data: list[dict[str, Any]] = []
    for j, op in enumerate(operators):
        xs, ys = [], []
        for i, part in enumerate(parts):
            cell = cube[i][j]
            y = max(cell) - min(cell) if kind == "R" else sum(cell) / trials
            label = f"{op}·{part}"
            xs.append(label)
            ys.append(y)
        x_labels.extend(xs)
        values.extend(ys)
        data.append(
            {"type": "scatter", "mode": "lines+markers", "name": str(op), "x": xs, "y": ys,
             "line": {"color": _COLOURS[j % len(_COLOURS)]}}
        )  # fmt: skip
    r_bar = sum(max(c) - min(c) for row in cube for c in row) / (len(parts) * len(operators))
    if kind == "R":
        centre, ucl, lcl = r_bar, d4_factor(trials) * r_bar, d3_factor(trials) * r_bar
        title = "R chart by operator"
    else:
        centre = sum(values) / len(values)
        ucl, lcl = centre + a2(trials) * r_bar, centre - a2(trials) * r_bar
        title = "X̄ chart by operator"
    for name, y, dash in (("UCL", ucl, "dash"), ("Centre", centre, "solid"), ("LCL", lcl, "dash")):
        data.append(
            {"type": "scatter", "mode": "lines", "name": name, "x": [x_labels[0], x_labels[-1]],
             "y": [y, y], "line": {"color": "#555", "dash": dash, "width": 1}, "showlegend": False}
        )  # fmt: skip
    return _fig(data, title, xaxis={"showticklabels": False, "title": "operator · part"})


def by_part_figure(result: dict[str, Any]) -> Figure:
    """Every reading by part, with the part means joined."""
    cube, parts = result["cube"], result["parts"]
    xs, ys, means = [], [], []
    for i, part in enumerate(parts):
        flat = [v for cell in cube[i] for v in cell]
        xs.extend([str(part)] * len(flat))
        ys.extend(flat)
        means.append(sum(flat) / len(flat))
    return _fig(
        [
            {"type": "scatter", "mode": "markers", "name": "Reading", "x": xs, "y": ys,
             "marker": {"color": "#999"}},
            {"type": "scatter", "mode": "lines+markers", "name": "Mean",
             "x": [str(p) for p in parts], "y": means},
        ],
        "Readings by part",
        xaxis={"title": "part", "type": "category"},
    )  # fmt: skip


def by_operator_figure(result: dict[str, Any]) -> Figure:
    """Box plot of the readings of each operator."""
    cube, operators = result["cube"], result["operators"]
    data = [
        {"type": "box", "name": str(op), "boxmean": True,
         "y": [v for row in cube for v in row[j]], "marker": {"color": _COLOURS[j % 6]}}
        for j, op in enumerate(operators)
    ]  # fmt: skip
    return _fig(data, "Readings by operator", showlegend=False)


def interaction_figure(result: dict[str, Any]) -> Figure:
    """Operator × part interaction: each operator's part averages."""
    cube, parts, operators = result["cube"], result["parts"], result["operators"]
    data = [
        {"type": "scatter", "mode": "lines+markers", "name": str(op),
         "x": [str(p) for p in parts],
         "y": [sum(cube[i][j]) / len(cube[i][j]) for i in range(len(parts))],
         "line": {"color": _COLOURS[j % 6]}}
        for j, op in enumerate(operators)
    ]  # fmt: skip
    return _fig(data, "Operator × part interaction", xaxis={"title": "part", "type": "category"})


def crossed_figures(result: dict[str, Any]) -> list[tuple[str, Figure]]:
    """The six-pack of a crossed study (components only when computed by ANOVA)."""
    figures = []
    if "components" in result:
        figures.append(("components", components_figure(result)))
    figures += [
        ("r-chart", _by_operator_chart(result, "R")),
        ("xbar-chart", _by_operator_chart(result, "X")),
        ("by-part", by_part_figure(result)),
        ("by-operator", by_operator_figure(result)),
        ("interaction", interaction_figure(result)),
    ]
    return figures


def linearity_figure(result: dict[str, Any]) -> Figure:
    """Bias of every reading against its reference, the part means and the fitted line."""
    lin = result["linearity"]
    xs = [p[0] for p in lin["points"]]
    lo, hi = min(xs), max(xs)
    return _fig(
        [
            {"type": "scatter", "mode": "markers", "name": "Bias", "x": xs,
             "y": [p[1] for p in lin["points"]], "marker": {"color": "#999"}},
            {"type": "scatter", "mode": "markers", "name": "Mean bias",
             "x": [b["reference"] for b in lin["biases"]], "y": [b["bias"] for b in lin["biases"]],
             "marker": {"color": "#d62728", "size": 10}},
            {"type": "scatter", "mode": "lines", "name": "Regression", "x": [lo, hi],
             "y": [lin["intercept"] + lin["slope"] * lo, lin["intercept"] + lin["slope"] * hi]},
            {"type": "scatter", "mode": "lines", "name": "Bias = 0", "x": [lo, hi], "y": [0, 0],
             "line": {"dash": "dash", "color": "#555"}},
        ],
        "Gauge linearity and bias",
        xaxis={"title": "reference"},
        yaxis={"title": "bias"},
    )  # fmt: skip


def type1_figure(result: dict[str, Any]) -> Figure:
    """Run chart of the readings against the reference and reference ± K/200·T."""
    t1, readings = result["type1"], result["readings"]
    n = list(range(1, len(readings) + 1))
    lines = [("Reference", t1["reference"], "solid"), ("Ref + 0.1·T", t1["upper_band"], "dash"),
             ("Ref − 0.1·T", t1["lower_band"], "dash")]  # fmt: skip
    data = [{"type": "scatter", "mode": "lines+markers", "name": "Reading", "x": n, "y": readings}]
    for name, y, dash in lines:
        data.append(
            {"type": "scatter", "mode": "lines", "name": name, "x": [1, len(n)], "y": [y, y],
             "line": {"dash": dash, "color": "#555"}}
        )  # fmt: skip
    return _fig(data, "Type 1 run chart", xaxis={"title": "reading"})


def attribute_figure(result: dict[str, Any]) -> Figure:
    """Within-appraiser and vs-standard agreement with their 95 % intervals."""
    att = result["attribute"]
    data = []
    for key, name, colour in (("within", "Within appraiser", "#1f77b4"),
                              ("vs_standard", "Appraiser vs standard", "#d62728")):  # fmt: skip
        rows = att[key]
        if not rows:
            continue
        data.append(
            {"type": "scatter", "mode": "markers", "name": name,
             "x": [r["label"] for r in rows], "y": [r["percent"] for r in rows],
             "marker": {"color": colour, "size": 10},
             "error_y": {"type": "data", "symmetric": False,
                         "array": [r["ci_high"] - r["percent"] for r in rows],
                         "arrayminus": [r["percent"] - r["ci_low"] for r in rows]}}
        )  # fmt: skip
    return _fig(
        data,
        "Assessment agreement (95 % CI)",
        yaxis={"title": "%", "range": [0, 105]},
        scattermode="group",
    )


def figures_for(kind: str, result: dict[str, Any]) -> list[tuple[str, Figure]]:
    """``[(element id, figure)]`` for a study of ``kind``."""
    if kind == "CROSSED":
        return crossed_figures(result)
    if kind == "NESTED":
        return [("components", components_figure(result))]
    if kind == "LINEARITY":
        return [("linearity", linearity_figure(result))]
    if kind == "TYPE1":
        return [("type1", type1_figure(result))]
    if kind == "ATTRIBUTE":
        return [("attribute", attribute_figure(result))]
    return []
