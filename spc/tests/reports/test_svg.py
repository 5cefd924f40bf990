"""Static SVG charts of the PDF: well-formed, one bar per bin, spec lines where set."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from spc.reports import svg

NS = "{http://www.w3.org/2000/svg}"
STUDY = {
    "usl": 12.0, "lsl": None, "target": 10.0,
    "histogram": {"edges": [9.0, 10.0, 11.0, 12.0], "counts": [2, 5, 1],
                  "curve_x": [8.0, 10.0, 12.0], "curve_y": [0.1, 4.0, 0.1]},
}  # fmt: skip


def test_histogram_svg_has_a_bar_per_bin_and_the_set_spec_lines() -> None:
    root = ET.fromstring(svg.histogram_svg(STUDY))
    assert len(root.findall(f"{NS}rect")) == 3
    labels = [t.text for t in root.findall(f"{NS}text")]
    assert "USL" in labels
    assert "T" in labels
    assert "LSL" not in labels
    assert len(root.findall(f"{NS}polyline")) == 1


def test_pareto_svg_escapes_labels_and_handles_no_bars() -> None:
    bars = [{"label": "<script>", "count": 3, "cumulative_percent": 100.0}]
    root = ET.fromstring(svg.pareto_svg(bars))
    assert "<script>" in [t.text for t in root.findall(f"{NS}text")]  # escaped, parsed back
    empty = ET.fromstring(svg.pareto_svg([]))
    assert "No violations" in [t.text for t in empty.findall(f"{NS}text")]
