"""Property: every plotted value is the chart's statistic of its stored measurements and stage.

Random series of every chart type and subgroup mode are stored through the pipeline, with
random limit sets (stages) between their samples. The expected statistic and limits of each
point are computed here, independently, from the textbook formulas (Montgomery, 7th ed.:
x-bar/p/np/c/u charts ch. 6-7, variable limits and the standardized chart §6.3.2 and
§7.2.2, EWMA §9.2, tabular CUSUM §9.1) and the point's stage, never from the code under test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spc.charts.data import chart_data
from spc.models import Characteristic, LimitSet
from spc.pipeline.processing import SubgroupInput, process
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db

SHEWHART_VARIABLES = ("XBAR_R", "XBAR_S", "I_MR")
MODES = ("NOMINAL_TOLERANCE", "VARIABLE_LIMITS", "STANDARDIZED")
LAMBDA, WIDTH, K, H = 0.25, 2.8, 0.5, 4.0


@dataclass
class StageSpec:
    """A stage's limits: centre (mean, p-bar, c-bar, u-bar) and sigma of one observation."""

    start: int
    centre: float
    sigma: float


@st.composite
def cases(draw: Any) -> dict[str, Any]:
    chart = draw(st.sampled_from([*SHEWHART_VARIABLES, "P", "NP", "C", "U", "EWMA", "CUSUM"]))
    mode = draw(st.sampled_from(MODES)) if chart in ("XBAR_R", "XBAR_S") else "NOMINAL_TOLERANCE"
    n = draw(st.integers(2, 5)) if chart in ("XBAR_R", "XBAR_S") else 1
    if chart in ("P", "NP", "U"):
        n = draw(st.integers(20, 200))
    length = draw(st.integers(3, 14))
    groups: list[Any] = []
    for _ in range(length):
        if chart in ("P", "NP"):
            size = draw(st.integers(max(1, n // 2), n)) if chart == "P" else n
            groups.append((draw(st.integers(0, size // 3)), size))
        elif chart in ("C", "U"):
            size = draw(st.integers(1, 5)) if chart == "U" else 1
            groups.append((draw(st.integers(0, 15)), size))
        else:
            size = draw(st.integers(2, n)) if mode != "NOMINAL_TOLERANCE" else n
            values = st.floats(5.0, 15.0, allow_nan=False).map(lambda v: round(v, 3))
            groups.append(tuple(draw(values) for _ in range(size)))
    starts = sorted(set(draw(st.lists(st.integers(0, length - 1), min_size=1, max_size=3))))
    stages = []
    for start in starts:
        if chart == "P" or chart == "NP":
            centre, sigma = draw(st.floats(0.02, 0.4)), 0.0
            sigma = math.sqrt(centre * (1 - centre))
        elif chart in ("C", "U"):
            centre = draw(st.floats(0.5, 10.0))
            sigma = math.sqrt(centre)
        else:
            centre, sigma = draw(st.floats(8.0, 12.0)), draw(st.floats(0.2, 3.0))
        stages.append(StageSpec(start, centre, sigma))
    judged = chart not in ("EWMA", "CUSUM") and draw(st.booleans())
    return {
        "chart": chart,
        "mode": mode,
        "n": n,
        "groups": groups,
        "stages": stages,
        "judged": judged,
    }


def _columns(chart: str, n: int, stage: StageSpec) -> dict[str, float]:
    """Stored limit columns of a stage (UCL/LCL at the nominal n)."""
    if chart == "CUSUM":
        h = H * stage.sigma / math.sqrt(n)
        return {"center_line": stage.centre, "ucl": h, "lcl": -h, "sigma": stage.sigma}
    cl = stage.centre * n if chart == "NP" else stage.centre
    unit = stage.sigma * math.sqrt(n) if chart == "NP" else stage.sigma / math.sqrt(n)
    return {"center_line": cl, "ucl": cl + 3 * unit, "lcl": cl - 3 * unit, "sigma": stage.sigma}


def _store(case: dict[str, Any]) -> Characteristic:
    chart, n = case["chart"], case["n"]
    char: Characteristic = CharacteristicFactory.create(
        chart_type=chart,
        subgroup_size=n,
        subgroup_mode=case["mode"],
        min_measurements=min(2, n) if chart in ("XBAR_R", "XBAR_S") else 1,
        ewma_lambda=LAMBDA,
        ewma_l=WIDTH,
        cusum_k=K,
        cusum_h=H,
        rules={},  # the property is about values: no rule needs evaluating
    )
    starts = {s.start: s for s in case["stages"]}
    last_id = None
    for i, group in enumerate(case["groups"]):
        if i in starts:
            columns = _columns(chart, n, starts[i])
            if case["judged"] and i > 0:  # the pipeline judges what follows by them
                Characteristic.objects.filter(pk=char.pk).update(**columns)
            LimitSet.objects.create(
                characteristic=char,
                method="MANUAL",
                after_sample_id=last_id,
                subgroup_size=n,
                chart_type=chart,
                subgroup_mode=case["mode"],
                ewma_lambda=LAMBDA,
                ewma_l=WIDTH,
                cusum_k=K,
                cusum_h=H,
                **columns,
            )
        if chart in ("P", "NP", "C", "U"):
            data = SubgroupInput(char.pk, count=float(group[0]), sample_size=float(group[1]))
        else:
            data = SubgroupInput(char.pk, measurements=group)
        last_id = process(data).sample.pk
    return char


def _expected(case: dict[str, Any]) -> list[tuple[float, float, float]]:
    """(statistic, UCL, LCL) of every point from its measurements and its stage."""
    chart, mode, n = case["chart"], case["mode"], case["n"]
    stages = case["stages"]
    out = []
    memory: tuple[float, ...] = ()
    for i, group in enumerate(case["groups"]):
        stage = [s for s in stages if s.start <= i][-1] if stages[0].start <= i else stages[0]
        if i == 0 or (stage is not stages[0] and i == stage.start):
            memory = ()  # each stage's EWMA/CUSUM starts afresh
        mu, sigma = stage.centre, stage.sigma
        if chart in ("P", "NP", "C", "U"):
            count, size = group
            p = {"P": count / size, "U": count / size}.get(chart, float(count))
            cl = mu * size if chart == "NP" else mu
            if chart == "P":
                unit = math.sqrt(mu * (1 - mu) / size)
            elif chart == "NP":
                unit = math.sqrt(mu * (1 - mu) * size)
            else:
                unit = math.sqrt(mu / size)  # c: size 1
            out.append((p, cl + 3 * unit, max(cl - 3 * unit, 0.0)))
            continue
        mean = math.fsum(group) / len(group)
        if chart == "EWMA":
            z, count = memory or (mu, 0.0)
            z, count = LAMBDA * mean + (1 - LAMBDA) * z, count + 1
            memory = (z, count)
            half = (
                WIDTH * sigma * math.sqrt(LAMBDA / (2 - LAMBDA) * (1 - (1 - LAMBDA) ** (2 * count)))
            )
            out.append((z, mu + half, mu - half))
        elif chart == "CUSUM":
            upper, lower = memory or (0.0, 0.0)
            upper = max(0.0, mean - (mu + K * sigma) + upper)
            lower = max(0.0, (mu - K * sigma) - mean + lower)
            memory = (upper, lower)
            out.append((upper, H * sigma, -H * sigma))
        elif mode == "STANDARDIZED":
            out.append(((mean - mu) / (sigma / math.sqrt(len(group))), 3.0, -3.0))
        else:
            size = len(group) if mode == "VARIABLE_LIMITS" else n
            half = 3 * sigma / math.sqrt(size)
            out.append((mean, mu + half, mu - half))
    return out


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=cases())
def test_every_plotted_value_is_the_statistic_of_its_measurements_and_stage(case):
    char = _store(case)
    points = chart_data(char)["points"]
    expected = _expected(case)
    assert len(points) == len(expected)
    for point, (value, ucl, lcl) in zip(points, expected, strict=True):
        assert point["value"] == pytest.approx(value, rel=1e-9, abs=1e-9)
        assert point["ucl"] == pytest.approx(ucl, rel=1e-9, abs=1e-9)
        assert point["lcl"] == pytest.approx(lcl, rel=1e-9, abs=1e-9)
        assert point["stage"] is not None
