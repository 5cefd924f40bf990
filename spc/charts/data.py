"""Chart data of a characteristic as plain JSON-able data (API, pages and exports use it).

Every point carries the stage it belongs to (``stage``: an index into ``stages``) and is
given against that stage: the limits it was judged by (stored with the point, or the
stage's where it was stored before any limits), the stage's R/S/MR limits
(``secondary_limits``), and the chart's statistic. A point stored without one (Phase I
baseline, history imported before limits) is evaluated by the core with its stage's limits
and settings (``spc.core.restate``) and marked ``restated``: a STANDARDIZED point's value
and ``z`` are z, an EWMA point's value is the EWMA statistic, a CUSUM point's C+ (C- in
``secondary_value``). ``observed`` is what was measured, in the characteristic's unit: the
subgroup mean (the value for individuals), the count for np and c, the proportion for p,
the defects per unit for u.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from alerts.models import Violation
from alerts.services import card_state, open_counts
from spc.charts.quality_marks import chart_marks
from spc.charts.rows import fetch_rows
from spc.charts.stages import Stage, load_stages, stage_indices
from spc.charts.style import observed
from spc.core.laney import sigma_z_of
from spc.core.restate import StoredPoint, restate
from spc.core.rule_texts import rule_text
from spc.core.types import ChartLimits, ChartType, Point, Subgroup
from spc.core.widths import secondary_point_limits
from spc.models import Characteristic, Measurement, Sample
from spc.pipeline import parts
from spc.pipeline.windows import POINT_FIELDS, point_from_row

MAX_POINTS = 5000
MEMORY_ROWS = 10_000
"""Most earlier rows read to carry an EWMA/CUSUM memory into the first restated point."""

ROW_FIELDS = (*POINT_FIELDS, "timestamp", "count", "sample_size", "is_excluded", "part_number")
LEAN_FIELDS = (
    "id",
    "timestamp",
    "value",
    "secondary_value",
    "center_line",
    "ucl",
    "lcl",
    "z_score",
    "zone",
    "actual_n",
    "is_undersized",
    "is_excluded",
    "mean",
    "count",
    "sample_size",
    "part_number",
)
"""What a point needs when the chart keeps no memory (all but EWMA and CUSUM)."""
SMALL_SHIFT = ("EWMA", "CUSUM")


def characteristic_summary(char: Characteristic) -> dict[str, Any]:
    """What a chart needs to know about its characteristic besides the points."""
    return {
        "id": char.pk,
        "name": char.name,
        "node_id": char.hierarchy_id,
        "chart_type": char.chart_type,
        "subgroup_size": char.subgroup_size,
        "subgroup_mode": char.subgroup_mode,
        "decimal_places": char.decimal_places,
        "unit": char.unit,
        "limit_sigma": char.limit_sigma,
    }


def current_limits(char: Characteristic) -> dict[str, Any]:
    """The limits in force now, spec limits and the secondary chart's limits."""
    return {
        "center_line": char.center_line,
        "ucl": char.ucl,
        "lcl": char.lcl,
        "sigma": char.sigma,
        "secondary": {
            "center_line": char.secondary_center_line,
            "ucl": char.secondary_ucl,
            "lcl": char.secondary_lcl,
        },
        "usl": char.usl,
        "lsl": char.lsl,
        "target": char.target,
        "limit_sigma": char.limit_sigma,
        "variable_n_method": char.variable_n_method,
        "sigma_z": (
            sigma_z_of(ChartType(char.chart_type), char.center_line, char.sigma)
            if char.center_line is not None and char.sigma is not None
            else None
        ),
    }


def _judged(row: dict[str, Any]) -> bool:
    """True when the pipeline stored the point with limits (its statistic is stored)."""
    return None not in (row["center_line"], row["ucl"], row["lcl"])


def _subgroups(
    rows: list[dict[str, Any]], table: parts.PartTable | None = None
) -> dict[int, Subgroup]:
    """The stored subgroups of rows to restate (one query for their measurements); on a
    short-run chart each with its part's standard from ``table``."""
    values: dict[int, list[float]] = defaultdict(list)
    ids = [r["id"] for r in rows if r["count"] is None]
    if ids:
        for sample_id, value in (
            Measurement.objects.filter(sample_id__in=ids)
            .order_by("sample_id", "position")
            .values_list("sample_id", "value")
        ):
            values[sample_id].append(value)
    out = {}
    for r in rows:
        if r["count"] is not None:
            out[r["id"]] = Subgroup(count=r["count"], sample_size=r["sample_size"])
        else:  # imported summary rows without measurements: their mean stands for them
            fallback = r["mean"] if r["mean"] is not None else r["value"]
            out[r["id"]] = Subgroup(
                measurements=tuple(values.get(r["id"]) or (fallback,)),
                part=table.get(r["part_number"]) if table is not None else None,
            )
    return out


def _memory_rows(char: Characteristic, stage: Stage, before: int) -> list[dict[str, Any]]:
    """Included rows of ``stage`` before sample ``before`` back to the newest stored with
    limits (whose memory the next point continues), oldest first."""
    qs = Sample.objects.filter(characteristic=char, id__lt=before, is_excluded=False)
    if stage.after_sample_id:
        qs = qs.filter(id__gt=stage.after_sample_id)
    rows = []
    for row in qs.order_by("-id").values(*ROW_FIELDS)[:MEMORY_ROWS]:
        rows.append(row)
        if _judged(row):
            break
    rows.reverse()
    return rows


def _restated(
    char: Characteristic, stages: list[Stage], rows: list[dict[str, Any]], where: list[int | None]
) -> dict[int, Point | None]:
    """Points of the rows stored without limits, evaluated against their stage (by id)."""
    out: dict[int, Point | None] = {}
    for index, stage in enumerate(stages):
        mine = [r for r, s in zip(rows, where, strict=True) if s == index]
        if stage.config.limits is None or all(_judged(r) for r in mine):
            continue
        memory: list[dict[str, Any]] = []
        if ChartType(stage.config.chart_type) in (ChartType.EWMA, ChartType.CUSUM):
            memory = _memory_rows(char, stage, mine[0]["id"])
        series = memory + mine
        short_run = parts.is_short_run(stage.config.chart_type)
        table = parts.tables([char.pk]).get(char.pk, {}) if short_run else None
        subgroups = _subgroups([r for r in series if not _judged(r)], table)
        points = restate(
            stage.config,
            [
                StoredPoint(subgroups.get(r["id"], Subgroup()), _stored(r), not r["is_excluded"])
                for r in series
            ],
        )
        out.update({r["id"]: p for r, p in zip(series, points, strict=True) if not _judged(r)})
    return out


def _stored(row: dict[str, Any]) -> Point | None:
    if not _judged(row):
        return None
    return point_from_row({"state": (), "range": None, "std_dev": None, **row})


def _violations(
    char: Characteristic, rows: Sequence[dict[str, Any]]
) -> dict[int, list[dict[str, Any]]]:
    """The violations of the rows' samples, by sample id: one range over the
    (characteristic, sample) index instead of an ``IN`` list of every id."""
    by_sample: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not rows:
        return by_sample
    ids = {r["id"] for r in rows}
    found = (
        Violation.objects.filter(
            characteristic_id=char.pk, sample_id__gte=min(ids), sample_id__lte=max(ids)
        )
        .order_by()
        .values_list("id", "sample_id", "rule", "severity", "acknowledged_at")
    )
    for pk, sample_id, rule, severity, acknowledged_at in found:
        if sample_id in ids:
            by_sample[sample_id].append(
                {
                    "id": pk,
                    "rule": rule,
                    "severity": severity,
                    "acknowledged": acknowledged_at is not None,
                    "rule_name": rule_text(rule, char.rules, char.chart_type),
                }
            )
    for listed in by_sample.values():
        listed.sort(key=lambda v: v["rule"])
    return by_sample


def _point(
    row: dict[str, Any],
    restated: Point | None,
    secondary: ChartLimits | None,
    chart_type: str,
) -> dict[str, Any]:
    """A point as the chart data gives it: stored, or restated against its stage."""
    if restated is None:
        value, center, ucl, lcl = row["value"], row["center_line"], row["ucl"], row["lcl"]
        z, zone, secondary_value = row["z_score"], row["zone"] or None, row["secondary_value"]
    else:
        value, center, ucl, lcl = restated.value, restated.center_line, restated.ucl, restated.lcl
        z, zone = restated.z, restated.zone.value if restated.zone else None
        secondary_value = row["secondary_value"]
        if chart_type == ChartType.CUSUM:  # C-: a statistic of the stage, like C+
            secondary_value = restated.secondary_value
    return {
        "id": row["id"],
        "timestamp": row["timestamp"].isoformat(),
        "value": value,
        "secondary_value": secondary_value,
        "center_line": center,
        "ucl": ucl,
        "lcl": lcl,
        "secondary_limits": (
            None
            if secondary is None
            else {"center_line": secondary.center_line, "ucl": secondary.ucl, "lcl": secondary.lcl}
        ),
        "z": z,
        "zone": zone,
        "n": row["actual_n"],
        "observed": observed(chart_type, row["mean"], row["count"], row["sample_size"]),
        "is_undersized": row["is_undersized"],
        "is_excluded": row["is_excluded"],
        "restated": restated is not None,
        "part_number": row["part_number"],
    }


def chart_data(
    char: Characteristic,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 500,
) -> dict[str, Any]:
    """The newest ``limit`` samples in the range (oldest first) with their violations,
    each drawn against its stage (see the module docstring)."""
    limit = max(1, min(int(limit), MAX_POINTS))
    qs = Sample.objects.filter(characteristic=char)
    if start is not None:
        qs = qs.filter(timestamp__gte=start)
    if end is not None:
        qs = qs.filter(timestamp__lte=end)
    # The chart memory (state) is read only where a chart has one.
    fields = ROW_FIELDS if char.chart_type in SMALL_SHIFT else LEAN_FIELDS
    rows = fetch_rows(qs.order_by("-timestamp", "-id")[:limit], fields)  # source time
    rows.reverse()
    stages = load_stages(char)
    where = stage_indices(stages, [r["id"] for r in rows])
    restated = _restated(char, stages, rows, where)
    violations = _violations(char, rows)
    shown = sorted({s for s in where if s is not None} | ({len(stages) - 1} if stages else set()))
    renumber = {old: new for new, old in enumerate(shown)}
    points = []
    secondaries = [stage.secondary for stage in stages]
    for row, stage in zip(rows, where, strict=True):
        secondary = secondaries[stage] if stage is not None else None
        if stage is not None and (config := stages[stage].config).limits is not None:
            # Montgomery's variable-n X-bar S: the S limits of the point's own n_i.
            secondary = secondary_point_limits(config.limits, config.subgroup_mode, row["actual_n"])
        point = _point(row, restated.get(row["id"]), secondary, char.chart_type)
        point["stage"] = renumber.get(stage) if stage is not None else None
        point["violations"] = violations.get(row["id"]) or []
        points.append(point)
    counts = open_counts([char.pk])[char.pk]
    last_at = rows[-1]["timestamp"] if rows else None
    corrected, withdrawn, notes = chart_marks(  # issue 23: corrections and annotations
        char.pk, [r["id"] for r in rows], rows[0]["timestamp"] if rows else None, last_at
    )
    for point in points:
        point["corrected"] = point["id"] in corrected
        if withdrawn:
            point["violations"] = [v for v in point["violations"] if v["id"] not in withdrawn]
    return {
        "characteristic": characteristic_summary(char),
        "limits": current_limits(char),
        "stages": [stages[i].as_dict() for i in shown],
        "points": points,
        "state": card_state(counts, last_at),
        "open_violations": counts,
        "last_timestamp": points[-1]["timestamp"] if points else None,
        "annotations": notes,
    }
