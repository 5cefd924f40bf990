"""The Django side of capability: which measurements a study reads, which σ within and
from which data, and what the control chart says about the study range."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from alerts.tests.factories import ReasonCodeFactory, ViolationFactory
from spc.core.errors import InputError, ZeroSpreadError
from spc.models import Characteristic, LimitSet, Sample
from spc.reports.capability_study import capability_study
from spc.tests.factories import CharacteristicFactory, MeasurementFactory, SampleFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


#: d₂ for subgroups of 2 as tabulated (Montgomery, ISQC 6th ed., Appendix VI), the constant
#: the chart's estimators use.
D2 = {2: 1.128, 3: 1.693}


def add_sample(
    char: Characteristic,
    values: list[float],
    *,
    hours_ago: float = 1,
    excluded: bool = False,
    **stored: Any,
) -> Sample:
    """A stored sample with its measurement rows (bypassing the pipeline); ``stored`` sets
    the limits it was charted against (``center_line``, ``ucl``, ``lcl``)."""
    sample: Sample = SampleFactory(
        characteristic=char,
        timestamp=NOW - timedelta(hours=hours_ago),
        actual_n=len(values),
        value=sum(values) / len(values),
        is_excluded=excluded,
        **stored,
    )
    for position, value in enumerate(values):
        MeasurementFactory(sample=sample, position=position, value=value)
    return sample


def test_study_reads_included_samples_and_estimates_sigma_within_from_them() -> None:
    # The issue: σ within came from the last limit baseline (here 1.5) without saying so.
    # It now comes from the study's own data with the chart's estimator, and says so.
    char = CharacteristicFactory(usl=14.0, lsl=0.0, sigma=1.5)
    for value in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]:
        add_sample(char, [value])
    add_sample(char, [100.0], excluded=True)
    study = capability_study(char)
    # 2, 4, 4, 4, 5, 5, 7, 9: mean 5, s = sqrt(32/7); moving ranges 2, 0, 0, 1, 0, 2, 2:
    # MR̄ = 7/7 = 1, σ within = 1/1.128; Cp = 14/(6σ); Pp = 14/(6s).
    sigma_within = 1 / D2[2]
    assert study["n"] == 8
    assert study["sample_count"] == 8
    assert study["excluded_count"] == 1
    assert study["mean"] == pytest.approx(5.0)
    assert study["sigma_overall"] == pytest.approx(math.sqrt(32 / 7))
    assert study["sigma_within"] == pytest.approx(sigma_within)
    assert study["sigma_within_source"] == "estimated"
    assert study["sigma_within_method"] == (
        "σ within = MR̄/d₂(2) from the study's 8 values (7 moving ranges)"
    )
    assert study["cp"] == pytest.approx(14 / (6 * sigma_within))
    assert study["pp"] == pytest.approx(14 / (6 * math.sqrt(32 / 7)))
    assert {"cp", "cpk", "pp", "ppk", "cpm", "sigma_within", "sigma_overall"} <= set(study)


def test_xbar_r_sigma_within_is_r_bar_over_d2_of_the_studys_subgroups() -> None:
    char = CharacteristicFactory(
        usl=14.0, lsl=6.0, sigma=0.2, chart_type="XBAR_R", subgroup_size=2, min_measurements=1
    )
    for values in ([9.0, 10.0], [11.0, 10.0], [10.0, 12.0]):
        add_sample(char, values)
    study = capability_study(char)
    # Ranges 1, 1, 2: R̄ = 4/3, σ within = R̄/d₂(2) = (4/3)/1.128.
    assert study["sigma_within"] == pytest.approx((4 / 3) / D2[2])
    assert study["sigma_within_method"] == "σ within = R̄/d₂ from the study's 3 subgroups"


def test_without_an_estimate_from_the_study_the_stored_sigma_says_where_it_is_from() -> None:
    char = CharacteristicFactory(
        usl=14.0, lsl=6.0, sigma=0.4, chart_type="XBAR_R", subgroup_size=2, min_measurements=1
    )
    LimitSet.objects.create(
        characteristic=char, method="RECALCULATED", sigma=0.4, center_line=10.0, ucl=10.85,
        lcl=9.15, baseline_count=25, created_at=datetime(2026, 10, 1, 12, tzinfo=UTC),
    )  # fmt: skip
    add_sample(char, [9.0, 11.0])  # one subgroup: no R̄ from the study
    study = capability_study(char)
    assert study["sigma_within"] == 0.4
    assert study["sigma_within_source"] == "stored"
    assert study["sigma_within_method"].startswith(
        "σ within from the limit baseline of 2026-10-01 (25 subgroups): the study's own "
        "subgroups give no estimate"
    )


def test_an_open_violation_or_a_point_beyond_makes_the_study_not_in_control() -> None:
    char = CharacteristicFactory(usl=14.0, lsl=6.0, center_line=10.0, ucl=11.5, lcl=8.5)
    limits = {"center_line": 10.0, "ucl": 11.5, "lcl": 8.5}
    values = [10.0 + 0.3 * ((i * 7) % 5 - 2) for i in range(40)]
    samples = [add_sample(char, [v], hours_ago=50 - i, **limits) for i, v in enumerate(values)]
    study = capability_study(char)
    assert study["stability"] == {
        "open_violations": 0, "beyond_limits": 0, "judged": 40, "points": 40,
        "in_control": True,
    }  # fmt: skip
    assert study["in_control"] is True
    assert study["verdict"] != "not in control"
    add_sample(char, [11.5], **limits)  # exactly on the UCL: not beyond it
    assert capability_study(char)["stability"]["beyond_limits"] == 0
    add_sample(char, [11.6], **limits)  # beyond
    ViolationFactory(sample=samples[3], rule=2, severity="WARNING")  # open
    acknowledged = {"acknowledged_at": NOW, "reason_code": ReasonCodeFactory()}
    ViolationFactory(sample=samples[4], rule=2, severity="WARNING", **acknowledged)  # not open
    study = capability_study(char)
    assert (study["stability"]["open_violations"], study["stability"]["beyond_limits"]) == (1, 1)
    assert study["verdict"] == "not in control"
    assert study["verdict_text"] == "Indices not meaningful: process not in statistical control"
    assert "1 open violation in the study range." in study["warnings"]


def test_baseline_points_stored_before_limits_are_judged_against_their_stage() -> None:
    char = CharacteristicFactory(usl=14.0, lsl=6.0)
    baseline = [add_sample(char, [v], hours_ago=30 - i) for i, v in enumerate([10, 9.5, 13.0])]
    LimitSet.objects.create(
        characteristic=char, method="RECALCULATED", center_line=10.0, ucl=12.0, lcl=8.0,
        sigma=0.667, after_sample_id=baseline[-1].pk,
    )  # fmt: skip
    add_sample(char, [10.2], center_line=10.0, ucl=12.0, lcl=8.0)
    stability = capability_study(char)["stability"]
    # The baseline's 13.0 lies beyond the first stage's UCL 12: the chart shows it so.
    assert (stability["judged"], stability["beyond_limits"]) == (4, 1)


def test_study_carries_ppm_and_a_probability_plot() -> None:
    char = CharacteristicFactory(usl=8.5, lsl=3.0)
    for value in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]:
        add_sample(char, [value])
    study = capability_study(char)
    assert study["ppm_observed"] == {"below": 125_000.0, "above": 125_000.0, "total": 250_000.0}
    assert study["ppm_overall"]["total"] > 0
    assert study["probability_plot"]["values"] == [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]


def test_study_keeps_to_the_date_range() -> None:
    char = CharacteristicFactory(usl=10.0, lsl=0.0, sigma=1.0)
    add_sample(char, [1.0], hours_ago=50)
    for value in [4.0, 6.0, 5.0]:
        add_sample(char, [value], hours_ago=5)
    add_sample(char, [9.0], hours_ago=0.5)
    study = capability_study(char, start=NOW - timedelta(hours=10), end=NOW - timedelta(hours=1))
    assert study["n"] == 3
    assert study["mean"] == pytest.approx(5.0)
    assert study["start"] == (NOW - timedelta(hours=10)).isoformat()


def test_study_reads_every_measurement_of_a_subgroup() -> None:
    char = CharacteristicFactory(
        usl=12.0, lsl=8.0, sigma=0.5, chart_type="XBAR_R", subgroup_size=2, min_measurements=1
    )
    add_sample(char, [9.0, 10.0])
    add_sample(char, [11.0, 10.0])
    study = capability_study(char)
    assert study["n"] == 4
    assert study["sample_count"] == 2
    assert study["mean"] == pytest.approx(10.0)


def test_without_stored_sigma_the_chart_estimator_gives_within_sigma() -> None:
    char = CharacteristicFactory(usl=20.0, lsl=0.0, sigma=None)
    for value in [10.0, 12.0, 11.0, 13.0, 10.0]:
        add_sample(char, [value])
    study = capability_study(char)
    # I-MR: moving ranges 2, 1, 2, 3 → MR̄ = 2 → σ = 2/1.128 = 1.773.
    assert study["sigma_within_source"] == "estimated"
    assert study["sigma_within"] == pytest.approx(1.773, abs=0.001)
    assert study["cp"] == pytest.approx(20 / (6 * 1.773), abs=0.002)


def test_histogram_and_normality_are_json_ready() -> None:
    char = CharacteristicFactory(usl=14.0, lsl=0.0, sigma=1.5)
    for value in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]:
        add_sample(char, [value])
    study = capability_study(char)
    assert sum(study["histogram"]["counts"]) == 8
    assert isinstance(study["histogram"]["edges"], list)
    assert study["normality"]["test"] == "anderson-darling"


def test_no_spec_limits_is_an_input_error() -> None:
    char = CharacteristicFactory(usl=None, lsl=None, sigma=1.0)
    add_sample(char, [1.0])
    add_sample(char, [2.0])
    with pytest.raises(InputError, match="specification limit") as info:
        capability_study(char)
    assert info.value.field == "non_field_errors"


def test_constant_values_raise_zero_spread() -> None:
    char = CharacteristicFactory(usl=2.0, lsl=0.0, sigma=None)
    for _ in range(5):
        add_sample(char, [1.0])
    with pytest.raises(ZeroSpreadError):
        capability_study(char)


def test_too_few_values_is_an_input_error() -> None:
    char = CharacteristicFactory(usl=2.0, lsl=0.0, sigma=1.0)
    add_sample(char, [1.0])
    with pytest.raises(InputError, match="at least 2 values"):
        capability_study(char)


def test_attribute_chart_has_no_capability_study() -> None:
    char = CharacteristicFactory(chart_type="P", usl=0.1, lsl=None)
    with pytest.raises(InputError) as info:
        capability_study(char)
    assert info.value.field == "characteristic"


@pytest.mark.parametrize("chart_type", ["DNOM", "Z_MR"])
def test_short_run_chart_has_no_mixed_part_capability_study(chart_type: str) -> None:
    # Two parts with nominals 50 and 25: pooled raw values would report a bimodal "process".
    char = CharacteristicFactory(chart_type=chart_type, subgroup_size=1, usl=60.0, lsl=20.0)
    for value in (50.0, 51.0, 25.0, 24.0):
        add_sample(char, [value])
    with pytest.raises(InputError, match="each part number") as info:
        capability_study(char)
    assert info.value.field == "characteristic"


def test_sigma_within_reads_the_moving_ranges_in_source_time_order() -> None:
    """Issue 22: late samples sit where they were measured. Measured hourly the values
    alternate 10, 11 (every moving range 1, so σ within = 1/d₂(2)); stored, the five 11s came
    last (in storage order the moving ranges would be 0, 0, 0, 0, 1, 0, 0, 0, 0)."""
    char = CharacteristicFactory(usl=20.0, lsl=0.0)
    for hours_ago in (10, 8, 6, 4, 2):
        add_sample(char, [10.0], hours_ago=hours_ago)
    for hours_ago in (9, 7, 5, 3, 1):
        add_sample(char, [11.0], hours_ago=hours_ago)
    study = capability_study(char)
    assert study["sigma_within"] == pytest.approx(1 / D2[2])
