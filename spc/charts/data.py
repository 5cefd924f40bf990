"""Chart data of a characteristic as plain JSON-able data (API, pages and exports use it)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from alerts.models import Violation
from alerts.services import card_state, open_counts
from spc.models import Characteristic, Sample

MAX_POINTS = 5000


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
    }


def chart_data(
    char: Characteristic,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 500,
) -> dict[str, Any]:
    """The newest ``limit`` samples in the range (oldest first) with their violations."""
    limit = max(1, min(int(limit), MAX_POINTS))
    qs = Sample.objects.filter(characteristic=char)
    if start is not None:
        qs = qs.filter(timestamp__gte=start)
    if end is not None:
        qs = qs.filter(timestamp__lte=end)
    rows = list(
        qs.order_by("-id").values(
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
        )[:limit]
    )
    rows.reverse()
    by_sample: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for v in Violation.objects.filter(sample_id__in=[r["id"] for r in rows]).values(
        "id", "sample_id", "rule", "severity", "acknowledged_at"
    ):
        by_sample[v["sample_id"]].append(
            {
                "id": v["id"],
                "rule": v["rule"],
                "severity": v["severity"],
                "acknowledged": v["acknowledged_at"] is not None,
            }
        )
    points = [
        {
            "id": r["id"],
            "timestamp": r["timestamp"].isoformat(),
            "value": r["value"],
            "secondary_value": r["secondary_value"],
            "center_line": r["center_line"],
            "ucl": r["ucl"],
            "lcl": r["lcl"],
            "z": r["z_score"],
            "zone": r["zone"] or None,
            "n": r["actual_n"],
            "is_undersized": r["is_undersized"],
            "is_excluded": r["is_excluded"],
            "violations": sorted(by_sample.get(r["id"], []), key=lambda v: v["rule"]),
        }
        for r in rows
    ]
    counts = open_counts([char.pk])[char.pk]
    last = points[-1]["timestamp"] if points else None
    last_at = rows[-1]["timestamp"] if rows else None
    return {
        "characteristic": characteristic_summary(char),
        "limits": current_limits(char),
        "points": points,
        "state": card_state(counts, last_at),
        "open_violations": counts,
        "last_timestamp": last,
    }
