"""The stages of a chart: each stored limit set starts one.

A limit set (first calculation, recalculation, manual edit, clearing) applies to the samples
stored after it (``LimitSet.after_sample_id``); the samples collected before the first limits
(the Phase I baseline) belong to the first stage. A characteristic whose limits were set
without a history row (created with limits) has one stage: its current limits.

Each stage keeps the settings it was stored with (chart type, subgroup mode and size, EWMA
and CUSUM parameters, target), so its points are redrawn with what judged them even after
the characteristic changed. Rows become core types here; the statistics are the core's.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

from spc.core.evaluate import CharacteristicConfig
from spc.core.limits import limits_from_stored
from spc.core.types import (
    DEFAULT_LIMIT_SIGMA,
    ChartLimits,
    ChartType,
    RuleSet,
    SubgroupMode,
    VariableNMethod,
)
from spc.models import Characteristic, LimitSet

LIMIT_FIELDS = (
    "center_line",
    "ucl",
    "lcl",
    "sigma",
    "secondary_center_line",
    "secondary_ucl",
    "secondary_lcl",
)


@dataclass(frozen=True)
class Stage:
    """One stage: its limits, the settings they were stored with and who stored them."""

    number: int
    limit_set: int | None
    after_sample_id: int | None
    values: dict[str, Any]
    config: CharacteristicConfig

    @property
    def secondary(self) -> ChartLimits | None:
        """The R, S or MR chart's limits of the stage (None: no secondary chart or none set)."""
        return self.config.limits.secondary if self.config.limits else None

    def as_dict(self) -> dict[str, Any]:
        """The stage as plain JSON-able data (the chart data's ``stages`` entries)."""
        v = self.values
        return {
            "number": self.number,
            "limit_set": self.limit_set,
            "method": v.get("method"),
            "start": v["created_at"].isoformat() if v.get("created_at") else None,
            "created_by": v.get("created_by"),
            "reason": v.get("reason") or "",
            "after_sample_id": self.after_sample_id,
            "chart_type": self.config.chart_type.value,
            "subgroup_mode": self.config.subgroup_mode.value,
            "subgroup_size": self.config.subgroup_size,
            "center_line": v.get("center_line"),
            "ucl": v.get("ucl"),
            "lcl": v.get("lcl"),
            "sigma": v.get("sigma"),
            "secondary": {
                "center_line": v.get("secondary_center_line"),
                "ucl": v.get("secondary_ucl"),
                "lcl": v.get("secondary_lcl"),
            },
            "ewma_lambda": self.config.ewma_lambda,
            "ewma_l": self.config.ewma_l,
            "cusum_k": self.config.cusum_k,
            "cusum_h": self.config.cusum_h,
            "target": self.config.target,
            "limit_sigma": limits.k if (limits := self.config.limits) else None,
            "variable_n_method": limits.variable_n.value if limits else None,
            "sigma_z": limits.sigma_z if limits else None,
        }


def _setting(values: dict[str, Any], char: Characteristic, name: str) -> Any:
    """A stage's setting, or the characteristic's where the limit set predates the column."""
    value = values.get(name)
    return getattr(char, name) if value in (None, "") else value


def _width_setting(values: dict[str, Any], char: Characteristic, name: str, old: Any) -> Any:
    """A limit width setting of a stage: its limit set's, ``old`` (3 sigma, UNBIASED) where
    the limit set predates the column, the characteristic's for its current limits."""
    if name not in values:
        return getattr(char, name)
    value = values[name]
    return old if value in (None, "") else value


def stage_config(values: dict[str, Any], char: Characteristic) -> CharacteristicConfig:
    """The core's configuration of a stage (its limits, chart, mode and parameters)."""
    chart_type = ChartType(_setting(values, char, "chart_type"))
    secondary = None
    trio = tuple(values.get(f"secondary_{k}") for k in ("center_line", "ucl", "lcl"))
    if None not in trio:
        secondary = ChartLimits(*trio)  # type: ignore[arg-type]
    ewma_lambda = float(_setting(values, char, "ewma_lambda"))
    ewma_l = float(_setting(values, char, "ewma_l"))
    cusum_h = float(_setting(values, char, "cusum_h"))
    size = int(values.get("subgroup_size") or char.subgroup_size)
    limits = limits_from_stored(
        chart_type,
        size,
        values.get("center_line"),
        values.get("ucl"),
        values.get("lcl"),
        values.get("sigma"),
        secondary,
        ewma_lambda=ewma_lambda,
        ewma_l=ewma_l,
        cusum_h=cusum_h,
        k=float(_width_setting(values, char, "limit_sigma", DEFAULT_LIMIT_SIGMA)),
        variable_n=VariableNMethod(
            _width_setting(values, char, "variable_n_method", VariableNMethod.UNBIASED)
        ),
    )
    return CharacteristicConfig(
        chart_type=chart_type,
        subgroup_size=size,
        subgroup_mode=SubgroupMode(_setting(values, char, "subgroup_mode")),
        min_measurements=1,
        warn_below_count=None,
        limits=limits,
        ruleset=RuleSet(()),
        ewma_lambda=ewma_lambda,
        ewma_l=ewma_l,
        cusum_k=float(_setting(values, char, "cusum_k")),
        cusum_h=cusum_h,
        target=values.get("target", char.target),
    )


def load_stages(char: Characteristic) -> list[Stage]:
    """The characteristic's stages in the order they apply (one query).

    A limit set superseded before any sample followed it owns no points and is left out.
    """
    rows = list(
        LimitSet.objects.filter(characteristic=char)
        .order_by("id")
        .values(
            "id",
            "created_at",
            "created_by__username",
            "method",
            "reason",
            "after_sample_id",
            "subgroup_size",
            *LIMIT_FIELDS,
            *(name for name in LimitSet.STAGE_SETTINGS if name != "subgroup_size"),
        )
    )
    if not rows:
        if not char.has_limits:
            return []
        current = {name: getattr(char, name) for name in LIMIT_FIELDS}
        current["method"] = "CURRENT"
        return [Stage(1, None, None, current, stage_config(current, char))]
    rows.sort(key=lambda r: (r["after_sample_id"] or 0, r["id"]))
    kept: list[dict[str, Any]] = []
    for row in rows:
        if kept and (kept[-1]["after_sample_id"] or 0) == (row["after_sample_id"] or 0):
            kept.pop()  # superseded before a sample followed it
        kept.append(row)
    stages = []
    for number, row in enumerate(kept, start=1):
        row["created_by"] = row.pop("created_by__username")
        stages.append(
            Stage(number, row["id"], row["after_sample_id"], row, stage_config(row, char))
        )
    return stages


def stage_indices(stages: list[Stage], sample_ids: list[int]) -> list[int | None]:
    """Index in ``stages`` of the stage each sample belongs to (None: there are none)."""
    if not stages:
        return [None] * len(sample_ids)
    afters = [s.after_sample_id or 0 for s in stages]
    return [max(bisect.bisect_left(afters, sample_id) - 1, 0) for sample_id in sample_ids]
