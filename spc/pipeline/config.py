"""The core's configuration of a characteristic, built once per distinct set of fields."""

from __future__ import annotations

import functools
import json
from types import SimpleNamespace
from typing import Any

from spc.core.evaluate import CharacteristicConfig
from spc.core.limits import limits_from_stored
from spc.core.rule_specs import secondary_ruleset_from_mapping
from spc.core.rules import ruleset_from_mapping
from spc.core.types import ChartLimits, ChartType, SubgroupMode, VariableNMethod
from spc.models import Characteristic

CONFIG_FIELDS = (
    "chart_type",
    "subgroup_size",
    "subgroup_mode",
    "min_measurements",
    "warn_below_count",
    "center_line",
    "ucl",
    "lcl",
    "sigma",
    "secondary_center_line",
    "secondary_ucl",
    "secondary_lcl",
    "ewma_lambda",
    "ewma_l",
    "cusum_k",
    "cusum_h",
    "target",
    "limit_sigma",
    "variable_n_method",
)
"""The characteristic fields (besides ``rules``) the core's configuration is built from."""


def config_for(char: Characteristic) -> CharacteristicConfig:
    """The core's view of a characteristic: chart, mode, limits in force and rules.

    Built once per distinct configuration: the same fields give the same (immutable)
    configuration, so a batch touching a thousand characteristics does not parse a
    thousand rule tables.
    """
    ident = (
        tuple(getattr(char, name) for name in CONFIG_FIELDS),
        json.dumps(char.rules or {}, sort_keys=True),
    )
    return _config_of(ident, char)


@functools.lru_cache(maxsize=4096)
def _cached_config(ident: tuple[tuple[Any, ...], str]) -> CharacteristicConfig:
    values = dict(zip(CONFIG_FIELDS, ident[0], strict=True))
    return _build_config(SimpleNamespace(**values, rules=json.loads(ident[1])))


def _config_of(ident: tuple[tuple[Any, ...], str], char: Characteristic) -> CharacteristicConfig:
    try:
        return _cached_config(ident)
    except TypeError:  # an unhashable field value: build it directly
        return _build_config(char)


def _build_config(char: Any) -> CharacteristicConfig:
    chart_type = ChartType(char.chart_type)
    secondary = None
    if None not in (char.secondary_center_line, char.secondary_ucl, char.secondary_lcl):
        secondary = ChartLimits(
            center_line=char.secondary_center_line,
            ucl=char.secondary_ucl,
            lcl=char.secondary_lcl,
        )
    limits = limits_from_stored(
        chart_type,
        char.subgroup_size,
        char.center_line,
        char.ucl,
        char.lcl,
        char.sigma,
        secondary,
        ewma_lambda=char.ewma_lambda,
        ewma_l=char.ewma_l,
        cusum_h=char.cusum_h,
        k=char.limit_sigma,
        variable_n=VariableNMethod(char.variable_n_method),
    )
    return CharacteristicConfig(
        chart_type=chart_type,
        subgroup_size=char.subgroup_size,
        subgroup_mode=SubgroupMode(char.subgroup_mode),
        min_measurements=char.min_measurements,
        warn_below_count=char.warn_below_count,
        limits=limits,
        ruleset=ruleset_from_mapping(char.rules or {}),
        ewma_lambda=char.ewma_lambda,
        ewma_l=char.ewma_l,
        cusum_k=char.cusum_k,
        cusum_h=char.cusum_h,
        target=char.target,
        secondary_ruleset=secondary_ruleset_from_mapping(char.rules or {}),
    )
