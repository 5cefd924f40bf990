"""Annotations and corrected points on a chart (issue 23).

:func:`chart_marks` reads, for the points a chart shows, which were corrected and which
annotations fall in their span (a point annotation on a shown sample, a range overlapping
the shown times); ``spc.charts.data.chart_data`` adds them to the payload and leaves off
their points the violations a correction took away. :func:`layout` turns them into Plotly
layout shapes and labels (no trace: the live extension's traces stay as they are): a shaded
band for a range, a dotted line for a point, a "✎" over a corrected point.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils.dateparse import parse_datetime

from alerts.models import Violation
from spc.pipeline.corrections import SUPERSEDED_BY_CORRECTION
from spc.quality_records import Annotation, SampleCorrection

ANNOTATION_COLOUR = "#8250df"
CORRECTED_COLOUR = "#bf8700"


def chart_marks(
    characteristic_id: int, sample_ids: Sequence[int], first: datetime | None, last: datetime | None
) -> tuple[set[int], set[int], list[dict[str, Any]]]:
    """(ids of corrected samples among ``sample_ids``, ids of the violations a correction
    took away, annotations of the span as dicts)."""
    if not sample_ids:
        return set(), set(), []
    corrected = set(
        SampleCorrection.objects.filter(
            characteristic_id=characteristic_id, sample_id__in=list(sample_ids)
        ).values_list("sample_id", flat=True)
    )
    span = Q(sample_id__in=list(sample_ids))
    if first is not None and last is not None:
        span |= Q(sample__isnull=True, start__lte=last) & (
            Q(end__gte=first) | Q(end__isnull=True, start__gte=first)
        )
    notes = Annotation.objects.filter(span, characteristic_id=characteristic_id).select_related(
        "created_by"
    )
    withdrawn: set[int] = set()
    if corrected:
        withdrawn = set(
            Violation.objects.filter(
                characteristic_id=characteristic_id,
                sample_id__gte=min(corrected),
                sample_id__in=list(sample_ids),
                acknowledged_at__isnull=False,
                comment__startswith=SUPERSEDED_BY_CORRECTION.split("{}")[0],
            ).values_list("id", flat=True)
        )
    return corrected, withdrawn, [annotation_dict(a) for a in notes.order_by("start", "id")]


def annotation_dict(a: Annotation) -> dict[str, Any]:
    """An annotation as plain data (chart payload, API, exports)."""
    return {
        "id": a.pk,
        "kind": a.kind,
        "kind_label": a.get_kind_display(),
        "text": a.text,
        "sample_id": a.sample_id,
        "start": a.start.isoformat(),
        "end": a.end.isoformat() if a.end else None,
        "created_by": a.created_by.get_username() if a.created_by else "",
    }


def _index_span(times: list[datetime], start: datetime, end: datetime) -> tuple[int, int] | None:
    """First and last index of ``times`` (ascending) within [start, end], or None."""
    lo, hi = bisect_left(times, start), bisect_right(times, end) - 1
    return (lo, hi) if lo <= hi else None


def layout(
    points: Sequence[Mapping[str, Any]],
    annotations: Sequence[Mapping[str, Any]],
    xs: Sequence[Any],
    ys: Sequence[float | None],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Layout shapes and labels for ``annotations`` and corrected ``points``."""
    shapes: list[dict[str, Any]] = []
    labels: list[dict[str, Any]] = []
    if not points:
        return shapes, labels
    index = {p["id"]: i for i, p in enumerate(points)}
    parsed = [parse_datetime(p["timestamp"]) for p in points]
    times = [t for t in parsed if t is not None]
    for note in annotations:
        text = f"{note['kind_label']}: {note['text']}"[:80]
        if note.get("sample_id") in index:
            lo = hi = index[note["sample_id"]]
        else:
            start, end = parse_datetime(note["start"]), parse_datetime(note["end"] or note["start"])
            whole = len(times) == len(parsed)
            found = _index_span(times, start, end) if start and end and whole else None
            if found is None:
                continue
            lo, hi = found
        x0, x1 = (xs[lo], xs[hi]) if lo != hi else (xs[lo], xs[lo])
        if lo == hi:
            shapes.append(_vertical(x0))
        else:
            shapes.append(_band(x0, x1))
        labels.append(_label(x0, text, note["id"]))
    for i, point in enumerate(points):
        if point.get("corrected") and ys[i] is not None:
            labels.append(
                {
                    "xref": "x",
                    "yref": "y",
                    "x": xs[i],
                    "y": ys[i],
                    "text": "✎",
                    "showarrow": False,
                    "yshift": 14,
                    "font": {"size": 14, "color": CORRECTED_COLOUR},
                    "hovertext": "Corrected (signed): see the sample's history",
                    "name": "corrected",
                }
            )
    return shapes, labels


def _vertical(x: Any) -> dict[str, Any]:
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"color": ANNOTATION_COLOUR, "width": 1.5, "dash": "dashdot"},
        "name": "annotation",
    }


def _band(x0: Any, x1: Any) -> dict[str, Any]:
    return {
        "type": "rect",
        "xref": "x",
        "yref": "paper",
        "x0": x0,
        "x1": x1,
        "y0": 0,
        "y1": 1,
        "fillcolor": "rgba(130,80,223,0.10)",
        "line": {"width": 0},
        "layer": "below",
        "name": "annotation",
    }


def _label(x: Any, text: str, annotation_id: int) -> dict[str, Any]:
    return {
        "xref": "x",
        "yref": "paper",
        "x": x,
        "y": 0,
        "xanchor": "left",
        "yanchor": "bottom",
        "text": text,
        "showarrow": False,
        "font": {"size": 11, "color": ANNOTATION_COLOUR},
        "bgcolor": "rgba(255,255,255,0.7)",
        "name": f"annotation-{annotation_id}",
    }
