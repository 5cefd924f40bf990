"""Violation analysis for a scope: Pareto by rule, reason code and characteristic,
time to acknowledge, and what is still unacknowledged."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Count

from spc.reports.exports import rule_name
from spc.reports.scope import ReportScope

PARETO_DIMENSIONS = ("rule", "reason_code", "characteristic")
UNACKNOWLEDGED_LABEL = "(not acknowledged)"


@dataclass(frozen=True)
class ParetoBar:
    """One bar: ``count`` violations for ``label``; ``cumulative_percent`` includes it."""

    key: str
    label: str
    count: int
    percent: float
    cumulative_percent: float


def pareto(counts: Iterable[tuple[str, str, int]]) -> list[ParetoBar]:
    """Bars from (key, label, count), largest first (ties by label), with cumulative %."""
    ordered = sorted((c for c in counts if c[2] > 0), key=lambda c: (-c[2], c[1]))
    total = sum(c[2] for c in ordered)
    bars, running = [], 0
    for key, label, count in ordered:
        running += count
        bars.append(
            ParetoBar(
                key=key,
                label=label,
                count=count,
                percent=100.0 * count / total,
                cumulative_percent=100.0 * running / total,
            )
        )
    return bars


def pareto_by(scope: ReportScope, dimension: str) -> list[ParetoBar]:
    """Pareto of the scope's violations by ``rule``, ``reason_code`` or ``characteristic``.

    Unacknowledged violations have no reason code yet: they form their own bar,
    "(not acknowledged)", so the bars add up to every violation in the scope.
    """
    qs = scope.violations()
    if dimension == "rule":
        rows = qs.values("rule").annotate(n=Count("id"))
        return pareto((str(r["rule"]), f"{r['rule']} {rule_name(r['rule'])}", r["n"]) for r in rows)
    if dimension == "reason_code":
        rows = qs.values("reason_code__code", "reason_code__description").annotate(n=Count("id"))
        return pareto(
            (
                r["reason_code__code"] or "",
                r["reason_code__description"] or UNACKNOWLEDGED_LABEL,
                r["n"],
            )
            for r in rows
        )
    if dimension == "characteristic":
        rows = qs.values("characteristic_id", "characteristic__name").annotate(n=Count("id"))
        return pareto(
            (str(r["characteristic_id"]), r["characteristic__name"], r["n"]) for r in rows
        )
    raise ValueError(f"Unknown Pareto dimension {dimension!r}.")


def acknowledgement_summary(scope: ReportScope) -> dict[str, Any]:
    """Counts and the mean/longest time to acknowledge, in minutes (None if none acked)."""
    qs = scope.violations()
    total = qs.count()
    pairs = (
        qs.filter(acknowledged_at__isnull=False)
        .values_list("created_at", "acknowledged_at")
        .iterator(chunk_size=5000)
    )
    minutes = [(acked - created).total_seconds() / 60 for created, acked in pairs if acked]
    return {
        "total": total,
        "acknowledged": len(minutes),
        "unacknowledged": total - len(minutes),
        "mean_minutes_to_acknowledge": sum(minutes) / len(minutes) if minutes else None,
        "max_minutes_to_acknowledge": max(minutes) if minutes else None,
    }


def unacknowledged(scope: ReportScope, limit: int = 200) -> list[dict[str, Any]]:
    """The oldest ``limit`` unacknowledged violations of the scope, oldest first."""
    rows = (
        scope.violations()
        .filter(acknowledged_at__isnull=True)
        .order_by("created_at", "id")
        .values("id", "created_at", "rule", "severity", "characteristic_id", "characteristic__name")
    )[:limit]
    return [{**r, "rule_name": rule_name(r["rule"])} for r in rows]


def violation_analysis(scope: ReportScope) -> dict[str, Any]:
    """Everything the violation page and the API show, as JSON-able data."""
    return {
        "scope": scope.to_params(),
        "pareto": {d: [asdict(b) for b in pareto_by(scope, d)] for d in PARETO_DIMENSIONS},
        "acknowledgement": acknowledgement_summary(scope),
        "unacknowledged": [
            {**r, "created_at": r["created_at"].isoformat()} for r in unacknowledged(scope)
        ],
    }
