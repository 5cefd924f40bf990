"""Chart data by stage: every point against its stage's limits, statistics as what they are.

Expected numbers are computed here from textbook formulas (Montgomery, Introduction to
Statistical Quality Control, 7th ed.: z of a standardized x-bar chart §6.3.2, EWMA §9.2,
tabular CUSUM §9.1), never read back from the code under test.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from alerts.models import Violation
from spc.charts.data import chart_data
from spc.core.types import SECONDARY_BEYOND_LIMITS
from spc.models import Characteristic, LimitSet, Measurement, Sample
from spc.pipeline.limit_changes import recalculate_limits, set_manual_limits
from spc.pipeline.processing import SubgroupInput, process
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db

BASELINE = [
    (10.1, 9.9, 10.0),
    (10.2, 10.0, 9.8),
    (9.9, 10.1, 10.0),
    (10.0, 10.3, 9.9),
    (9.8, 10.0, 10.1),
]


def secondary_violation(sample_id: int, characteristic_id: int) -> Violation:
    """A stored violation of rule 101 (an R/S/MR point beyond its limits); skips while
    the violations table still accepts only the rules 1-8."""
    try:
        with transaction.atomic():
            return Violation.objects.create(
                sample_id=sample_id,
                characteristic_id=characteristic_id,
                rule=SECONDARY_BEYOND_LIMITS,
                severity="CRITICAL",
            )
    except IntegrityError:
        pytest.skip("the violations table does not take rule 101 yet")


def _feed(char: Characteristic, groups: list[tuple[float, ...]]) -> list[int]:
    return [
        process(SubgroupInput(characteristic_id=char.pk, measurements=g)).sample.pk for g in groups
    ]


def _mean(values: tuple[float, ...] | list[float]) -> float:
    return math.fsum(values) / len(values)


def test_leak_rate_standardized_point_is_z_from_the_stored_mean():
    """Issue 26's sample #401: x-bar 2.05314, CL 2.001861, sigma 0.104237, n 5 -> z 1.10."""
    char = CharacteristicFactory(
        chart_type="XBAR_S", subgroup_size=5, subgroup_mode="STANDARDIZED", min_measurements=2
    )
    values = (2.05314, 2.05314, 2.05314, 2.05314, 2.05314)
    sample = process(SubgroupInput(characteristic_id=char.pk, measurements=values)).sample
    LimitSet.objects.create(
        characteristic=char,
        method="MANUAL",
        center_line=2.001861,
        ucl=2.001861 + 3 * 0.104237 / math.sqrt(5),
        lcl=2.001861 - 3 * 0.104237 / math.sqrt(5),
        sigma=0.104237,
        subgroup_size=5,
        after_sample_id=sample.pk,  # limits stored after the sample: it is the baseline
    )
    point = chart_data(char)["points"][0]
    assert point["stage"] == 0
    assert point["restated"] is True
    assert point["value"] == pytest.approx(1.10, abs=0.005)
    assert point["z"] == point["value"]
    assert (point["center_line"], point["ucl"], point["lcl"]) == (0.0, 3.0, -3.0)
    assert point["observed"] == pytest.approx(2.05314)


def test_baseline_points_belong_to_the_first_stage_and_get_its_limits():
    char = CharacteristicFactory(chart_type="XBAR_R", subgroup_size=3, min_measurements=2)
    _feed(char, BASELINE)
    recalculate_limits(char, reason="first limits")
    data = chart_data(char)
    char.refresh_from_db()
    assert [p["stage"] for p in data["points"]] == [0] * 5
    for point in data["points"]:
        assert point["center_line"] == pytest.approx(char.center_line)
        assert point["ucl"] == pytest.approx(char.ucl)
        assert point["secondary_limits"]["ucl"] == pytest.approx(char.secondary_ucl)
        assert point["z"] is not None
    assert data["stages"][0]["reason"] == "first limits"


def test_a_second_recalculation_starts_a_second_stage_with_its_own_limits(engineer):
    char = CharacteristicFactory(chart_type="XBAR_R", subgroup_size=3, min_measurements=2)
    _feed(char, BASELINE)
    recalculate_limits(char, reason="first limits", user=engineer)
    char.refresh_from_db()
    first = (char.center_line, char.ucl, char.secondary_ucl)
    shifted = [tuple(v + 1.0 for v in g) for g in BASELINE]
    _feed(char, shifted)
    recalculate_limits(char, last_n=5, reason="new tool", user=engineer)
    char.refresh_from_db()
    second = (char.center_line, char.ucl, char.secondary_ucl)
    _feed(char, shifted[:2])
    data = chart_data(char)
    assert [p["stage"] for p in data["points"]] == [0] * 10 + [1] * 2
    assert [s["number"] for s in data["stages"]] == [1, 2]
    assert data["stages"][1]["reason"] == "new tool"
    assert data["stages"][1]["created_by"] == engineer.username
    for point in data["points"]:
        cl, ucl, ucl2 = first if point["stage"] == 0 else second
        assert point["center_line"] == pytest.approx(cl)
        assert point["ucl"] == pytest.approx(ucl)
        assert point["secondary_limits"]["ucl"] == pytest.approx(ucl2)


def test_a_window_inside_one_stage_numbers_its_stages_from_zero():
    char = CharacteristicFactory(chart_type="I_MR")
    _feed(char, [(v,) for v in (10.0, 10.4, 9.7, 10.1)])
    recalculate_limits(char, reason="one")
    _feed(char, [(10.2,), (9.9,)])
    set_manual_limits(char, center_line=10.0, ucl=11.5, lcl=8.5, user=None, reason="two")
    _feed(char, [(10.3,)])
    data = chart_data(char, limit=1)
    assert [p["stage"] for p in data["points"]] == [0]
    assert [s["reason"] for s in data["stages"]] == ["two"]


def _ewma_char(**extra: Any) -> Characteristic:
    char: Characteristic = CharacteristicFactory.create(
        chart_type="EWMA", ewma_lambda=0.2, ewma_l=3.0, **extra
    )
    return char


def test_ewma_history_before_limits_is_plotted_as_the_ewma_of_its_stage():
    char = _ewma_char()
    readings = [10.2, 9.7, 10.5, 9.9, 10.1, 9.6, 10.4, 10.0]
    _feed(char, [(v,) for v in readings])
    set_manual_limits(char, center_line=10.0, ucl=10.5, lcl=9.5, sigma=0.5, user=None)
    live = [10.6, 10.7]
    _feed(char, [(v,) for v in live])
    points = chart_data(char)["points"]
    # Textbook EWMA from z0 = mu0 = 10, lambda 0.2; limits L sigma sqrt(l/(2-l)(1-(1-l)^2i)).
    z, expected, limits = 10.0, [], []
    for i, x in enumerate(readings, start=1):
        z = 0.2 * x + 0.8 * z
        expected.append(z)
        limits.append(10.0 + 3 * 0.5 * math.sqrt(0.2 / 1.8 * (1 - 0.8 ** (2 * i))))
    assert [p["value"] for p in points[:8]] == pytest.approx(expected)
    assert [p["ucl"] for p in points[:8]] == pytest.approx(limits)
    # Stored points keep what the pipeline judged: its EWMA restarts at mu0 after Phase I.
    z = 10.0
    for point, x in zip(points[8:], live, strict=True):
        z = 0.2 * x + 0.8 * z
        assert point["value"] == pytest.approx(z)
        assert point["restated"] is False


def test_cusum_history_before_limits_is_plotted_as_c_plus_and_c_minus():
    char = CharacteristicFactory(chart_type="CUSUM", cusum_k=0.5, cusum_h=5.0)
    readings = [10.3, 10.6, 9.2, 10.8, 10.9]
    ids = _feed(char, [(v,) for v in readings])
    limits = {"center_line": 10.0, "ucl": 2.5, "lcl": -2.5, "sigma": 0.5}  # 0 +/- H = h sigma
    Characteristic.objects.filter(pk=char.pk).update(**limits)
    LimitSet.objects.create(characteristic=char, method="MANUAL", after_sample_id=ids[-1], **limits)
    points = chart_data(char)["points"]
    upper = lower = 0.0
    for point, x in zip(points, readings, strict=True):
        upper = max(0.0, x - (10.0 + 0.25) + upper)  # K = k sigma = 0.25
        lower = max(0.0, (10.0 - 0.25) - x + lower)
        assert point["value"] == pytest.approx(upper)
        assert point["secondary_value"] == pytest.approx(lower)
        assert (point["ucl"], point["lcl"]) == pytest.approx((2.5, -2.5))  # H = h sigma


def test_variable_limits_funnel_of_a_baseline_point_uses_its_own_n():
    char = CharacteristicFactory(
        chart_type="XBAR_R", subgroup_size=4, subgroup_mode="VARIABLE_LIMITS", min_measurements=2
    )
    short = process(SubgroupInput(characteristic_id=char.pk, measurements=(15.0, 15.1))).sample
    _feed(char, [(15.0, 14.9, 15.1, 15.0), (15.05, 14.95, 15.0, 15.1)])
    set_manual_limits(
        char, center_line=15.0, ucl=15.045, lcl=14.955, sigma=0.03, user=None, reason="x"
    )
    point = next(p for p in chart_data(char)["points"] if p["id"] == short.pk)
    assert point["ucl"] == pytest.approx(15.0 + 3 * 0.03 / math.sqrt(2))
    assert point["lcl"] == pytest.approx(15.0 - 3 * 0.03 / math.sqrt(2))


def test_points_without_any_limits_have_no_stage():
    char = CharacteristicFactory()
    _feed(char, [(1.0,), (2.0,)])
    data = chart_data(char)
    assert data["stages"] == []
    assert [p["stage"] for p in data["points"]] == [None, None]
    assert data["points"][0]["center_line"] is None


def test_a_secondary_violation_is_listed_on_its_point():
    char = CharacteristicFactory(chart_type="XBAR_R", subgroup_size=3, min_measurements=2)
    ids = _feed(char, BASELINE)
    secondary_violation(ids[2], char.pk)
    point = chart_data(char)["points"][2]
    assert [v["rule"] for v in point["violations"]] == [SECONDARY_BEYOND_LIMITS]


def test_limit_sets_remember_the_settings_and_where_their_stage_starts():
    char = _ewma_char(target=10.0, cusum_k=0.7)
    ids = _feed(char, [(10.0,), (10.2,), (9.9,)])
    recalculate_limits(char, reason="r")
    stored = LimitSet.objects.get(characteristic=char)
    assert stored.after_sample_id == ids[-1]
    assert (stored.chart_type, stored.subgroup_mode) == ("EWMA", "NOMINAL_TOLERANCE")
    assert (stored.ewma_lambda, stored.ewma_l, stored.cusum_k) == (0.2, 3.0, 0.7)
    assert stored.target == 10.0


def test_a_restated_point_is_computed_from_its_stored_measurements():
    char = CharacteristicFactory(
        chart_type="XBAR_R", subgroup_size=3, subgroup_mode="STANDARDIZED", min_measurements=2
    )
    ids = _feed(char, BASELINE)
    # The stored mean column is not what the chart reads: the measurements are.
    Sample.objects.filter(pk=ids[0]).update(mean=99.0)
    set_manual_limits(char, center_line=10.0, ucl=10.3, lcl=9.7, sigma=0.3, user=None)
    values = list(Measurement.objects.filter(sample_id=ids[0]).values_list("value", flat=True))
    point = chart_data(char)["points"][0]
    assert point["value"] == pytest.approx((_mean(values) - 10.0) / (0.3 / math.sqrt(3)))


def test_the_chart_data_api_gives_each_point_its_stage_and_the_stages(api_client, engineer):
    char = CharacteristicFactory(
        chart_type="XBAR_S", subgroup_size=5, subgroup_mode="STANDARDIZED", min_measurements=2
    )
    _feed(
        char, [(2.0, 2.1, 1.9, 2.05, 1.95), (2.02, 1.98, 2.0, 2.1, 1.9), (2.0, 2.0, 2.1, 1.9, 2.0)]
    )
    recalculate_limits(char, reason="baseline", user=engineer)
    body = api_client.get(f"/api/v1/characteristics/{char.pk}/chart-data/").json()
    assert [p["stage"] for p in body["points"]] == [0, 0, 0]
    stage = body["stages"][0]
    assert (stage["number"], stage["reason"], stage["created_by"]) == (
        1,
        "baseline",
        engineer.username,
    )
    assert stage["subgroup_mode"] == "STANDARDIZED"
    first = body["points"][0]
    expected = (2.0 - stage["center_line"]) / (stage["sigma"] / math.sqrt(5))
    assert first["z"] == pytest.approx(expected)
    assert first["value"] == first["z"]
    assert first["observed"] == pytest.approx(2.0)
