"""Violation analysis for a scope: Pareto by rule, reason code and characteristic,
time to acknowledge, and what is still unacknowledged."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, Min, Q

from alerts.models import NEEDS_ACK
from spc.reports.exports import rule_name
from spc.reports.scope import ReportScope

PARETO_DIMENSIONS = ("rule", "reason_code", "characteristic")
#: Open violations per page of the violation analysis.
PAGE_SIZE = 25


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


def rule_label(rule: int, *config: Any) -> str:
    """A rule as a Pareto bar names it: "Rule 1: 1 point beyond 3σ"; with a
    characteristic's ``(rules, chart_type)`` as that characteristic configured it."""
    return f"Rule {rule}: {rule_name(rule, *config)}"


def _configs(scope: ReportScope) -> dict[int, tuple[Any, str]]:
    """Each characteristic's rule settings and chart type, for its rule texts."""
    return {c.pk: (c.rules, c.chart_type) for c in scope.characteristics()}


def pareto_by(scope: ReportScope, dimension: str) -> list[ParetoBar]:
    """Pareto of the scope's violations by ``rule``, ``reason_code`` or ``characteristic``.

    The reason-code Pareto counts the acknowledged violations (those with a reason): it
    ranks the assignable causes, so its cumulative line rises from the commonest cause's
    share. Violations not yet acknowledged have no reason; :func:`acknowledgement_summary`
    counts them beside it.
    """
    qs = scope.violations()
    if dimension == "rule":
        rows = qs.values("rule").annotate(n=Count("id"))
        return pareto((str(r["rule"]), rule_label(r["rule"]), r["n"]) for r in rows)
    if dimension == "reason_code":
        rows = (
            qs.filter(reason_code__isnull=False)
            .values("reason_code__code", "reason_code__description")
            .annotate(n=Count("id"))
        )
        return pareto(
            (
                r["reason_code__code"],
                r["reason_code__description"] or r["reason_code__code"],
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
        "unacknowledged": qs.filter(NEEDS_ACK).count(),
        "mean_minutes_to_acknowledge": sum(minutes) / len(minutes) if minutes else None,
        "max_minutes_to_acknowledge": max(minutes) if minutes else None,
    }


def _open_rows(scope: ReportScope) -> Any:
    return (
        scope.violations()
        .filter(NEEDS_ACK)
        .order_by("created_at", "id")
        .values(
            "id", "created_at", "rule", "severity", "characteristic_id",
            "characteristic__name", "sample__timestamp",
        )
    )  # fmt: skip


def unacknowledged(scope: ReportScope, limit: int = 200) -> list[dict[str, Any]]:
    """The oldest ``limit`` unacknowledged violations of the scope, oldest first."""
    configs = _configs(scope)
    return [
        {**r, "rule_name": rule_name(r["rule"], *configs[r["characteristic_id"]])}
        for r in _open_rows(scope)[:limit]
    ]


def unacknowledged_page(scope: ReportScope, number: Any, per_page: int = PAGE_SIZE) -> Page:
    """One page of the scope's unacknowledged violations, oldest first (a bad or too high
    page number gives the nearest page); each row carries its ``rule_name``."""
    page = Paginator(_open_rows(scope), per_page).get_page(number)
    configs = _configs(scope)
    page.object_list = [
        {**r, "rule_name": rule_name(r["rule"], *configs[r["characteristic_id"]])}
        for r in page.object_list
    ]
    return page


def open_groups(scope: ReportScope, limit: int = 30) -> list[dict[str, Any]]:
    """Unacknowledged violations grouped by characteristic and rule, largest group first:
    count, critical count and the times of the first and last point that raised one (the
    samples' timestamps: when it happened), at most ``limit`` groups."""
    rows = (
        scope.violations()
        .filter(NEEDS_ACK)
        .values("characteristic_id", "characteristic__name", "rule")
        .annotate(
            n=Count("id"),
            critical=Count("id", filter=Q(severity="CRITICAL")),
            first=Min("sample__timestamp"),
            last=Max("sample__timestamp"),
        )
        .order_by("-n", "characteristic__name", "rule")
    )[:limit]
    configs = _configs(scope)
    return [
        {**r, "rule_label": rule_label(r["rule"], *configs[r["characteristic_id"]])} for r in rows
    ]


def violation_analysis(scope: ReportScope) -> dict[str, Any]:
    """Everything the violation page and the API show, as JSON-able data."""
    return {
        "scope": scope.to_params(),
        "pareto": {d: [asdict(b) for b in pareto_by(scope, d)] for d in PARETO_DIMENSIONS},
        "acknowledgement": acknowledgement_summary(scope),
        "unacknowledged": [
            {
                **r,
                "created_at": r["created_at"].isoformat(),
                "sample__timestamp": r["sample__timestamp"].isoformat(),
            }
            for r in unacknowledged(scope)
        ],
    }
