"""The ``sample.processed`` event and a stored sample as plain JSON-able data."""

from __future__ import annotations

from typing import Any

from alerts.models import Violation
from alerts.services import card_state, open_counts
from spc.core.rule_texts import rule_text
from spc.core.types import SubgroupMode
from spc.core.widths import secondary_point_limits
from spc.models import Characteristic, Sample
from spc.pipeline import events
from spc.pipeline.config import config_for


def _secondary_limits(char: Characteristic, sample: Sample) -> dict[str, Any]:
    """The R/S/MR limits a live point is drawn against: the stored ones, or those of the
    point's n_i with Montgomery's variable-n X-bar S limits."""
    stored = {
        "center_line": char.secondary_center_line,
        "ucl": char.secondary_ucl,
        "lcl": char.secondary_lcl,
    }
    if char.variable_n_method != "MONTGOMERY" or char.subgroup_mode != "VARIABLE_LIMITS":
        return stored
    limits = config_for(char).limits
    if limits is None:
        return stored
    at = secondary_point_limits(limits, SubgroupMode.VARIABLE_LIMITS, sample.actual_n)
    if at is None:
        return stored
    return {"center_line": at.center_line, "ucl": at.ucl, "lcl": at.lcl}


def build_event(
    char: Characteristic,
    sample: Sample,
    violations: list[Violation],
    counts: dict[int, dict[str, int]] | None = None,
) -> dict[str, Any]:
    """The ``sample.processed`` event: everything a chart point, a card and a toast need.

    ``counts`` are the open violation counts by characteristic when the caller has them
    (``alerts.services.open_counts``); otherwise they are queried.
    """
    if counts is None or char.pk not in counts:
        counts = open_counts([char.pk])
    char_counts = counts[char.pk]
    return {
        "type": events.SAMPLE_PROCESSED,
        "characteristic": {
            "id": char.pk,
            "name": char.name,
            "node_id": char.hierarchy_id,
            "chart_type": char.chart_type,
            "subgroup_mode": char.subgroup_mode,
            "decimal_places": char.decimal_places,
            "unit": char.unit,
            "usl": char.usl,
            "lsl": char.lsl,
            "limit_sigma": char.limit_sigma,
            # The current stage's R/S/MR limits: a live point is drawn against them.
            "secondary_limits": _secondary_limits(char, sample),
        },
        "sample": sample_payload(sample),
        "violations": [
            {
                "id": v.pk,
                "rule": v.rule,
                "severity": v.severity,
                "rule_name": rule_text(v.rule, char.rules, char.chart_type),
                "episode": v.episode,
            }
            for v in violations
        ],
        "state": card_state(char_counts, sample.timestamp),
        "open_violations": char_counts,
    }


def measurement_values(sample: Sample) -> list[float]:
    """The sample's measured values, without a query when the pipeline just stored them."""
    known = getattr(sample, "measurement_values", None)
    if known is not None:
        return list(known)
    return [m.value for m in sample.measurements.all()]


def sample_payload(sample: Sample) -> dict[str, Any]:
    """A stored sample as plain JSON-able data (the event's and chart data's point)."""
    return {
        "id": sample.pk,
        "timestamp": sample.timestamp.isoformat(),
        "value": sample.value,
        "secondary_value": sample.secondary_value,
        "center_line": sample.center_line,
        "ucl": sample.ucl,
        "lcl": sample.lcl,
        "z": sample.z_score,
        "zone": sample.zone or None,
        "n": sample.actual_n,
        "mean": sample.mean,
        "count": sample.count,
        "sample_size": sample.sample_size,
        "is_undersized": sample.is_undersized,
        "is_excluded": sample.is_excluded,
        "measurements": measurement_values(sample),
        "operator": sample.operator,
        "batch_number": sample.batch_number,
        "part_number": sample.part_number,
    }
