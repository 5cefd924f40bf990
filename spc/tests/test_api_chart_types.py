"""Samples over REST for every chart type and subgroup mode: the stored rows and the
violations each response reports.

Expected numbers are worked by hand from the textbook definitions (Montgomery, Introduction
to Statistical Quality Control, 7th ed.: X-bar/R and X-bar/S statistics ch. 6, attribute
charts ch. 7, CUSUM eq. 9.2-9.3, EWMA eq. 9.22 and the exact limits 9.25-9.26), never read
from the code under test.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from rest_framework.test import APIClient

from spc.models import Characteristic, Measurement, Sample
from spc.pipeline.windows import windows
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/samples/"
ONLY_RULE_1 = {"1": {"severity": "CRITICAL"}}


@pytest.fixture(autouse=True)
def _fresh_windows() -> None:
    windows.clear()


def post(client: APIClient, char: Characteristic, **body: Any) -> dict[str, Any]:
    response = client.post(URL, {"characteristic": char.pk, **body}, format="json")
    assert response.status_code == 201, response.content
    return dict(response.json())


def make(**fields: Any) -> Characteristic:
    """A characteristic with only rule 1 on, so each test reads one rule's firing (points
    beyond 2 sigma in a row would also complete rule 5)."""
    return CharacteristicFactory.create(**{"rules": ONLY_RULE_1, **fields})


def rules_of(body: dict[str, Any]) -> list[tuple[int, str]]:
    return [(v["rule"], v["severity"]) for v in body["violations"]]


def xbar(chart_type: str = "XBAR_R", n: int = 5, **extra: Any) -> Characteristic:
    """Subgroups of ``n``, CL 10, sigma 1: X-bar limits 10 +/- 3/sqrt(n)."""
    half = 3 / math.sqrt(n)
    fields = {
        "chart_type": chart_type,
        "subgroup_size": n,
        "min_measurements": n,
        "center_line": 10.0,
        "ucl": 10.0 + half,
        "lcl": 10.0 - half,
        "sigma": 1.0,
        **extra,
    }
    return make(**fields)


def test_xbar_r_stores_mean_range_and_measurements(api_client: APIClient) -> None:
    char = xbar()
    body = post(api_client, char, measurements=[10, 11, 12, 9, 10])
    assert body["value"] == pytest.approx(10.4)
    assert body["secondary_value"] == pytest.approx(3.0)  # range 12 - 9
    assert body["ucl"] == pytest.approx(10 + 3 / math.sqrt(5))
    assert rules_of(body) == []
    stored = Measurement.objects.filter(sample_id=body["id"]).order_by("position")
    assert [m.value for m in stored] == [10, 11, 12, 9, 10]
    beyond = post(api_client, char, measurements=[12, 12, 11.5, 12, 12.5])
    assert beyond["value"] == pytest.approx(12.0)
    assert rules_of(beyond) == [(1, "CRITICAL")]
    assert Sample.objects.get(pk=beyond["id"]).violations.count() == 1


def test_xbar_s_stores_the_sample_standard_deviation(api_client: APIClient) -> None:
    char = xbar("XBAR_S", n=4)
    body = post(api_client, char, measurements=[9, 10, 11, 12])
    assert body["value"] == pytest.approx(10.5)
    assert body["secondary_value"] == pytest.approx(math.sqrt(5 / 3))  # n - 1 divisor
    assert body["std_dev"] == pytest.approx(math.sqrt(5 / 3))


def test_individuals_moving_range_is_the_distance_to_the_previous_value(
    api_client: APIClient,
) -> None:
    char = make(center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)
    first = post(api_client, char, measurements=[10.2])
    second = post(api_client, char, measurements=[11.7])
    assert first["secondary_value"] is None
    assert second["secondary_value"] == pytest.approx(1.5)


def test_c_chart_point_on_the_limit_is_not_beyond_it(api_client: APIClient) -> None:
    # c-bar 4: sigma 2, UCL 4 + 3 * 2 = 10.
    char = make(chart_type="C", center_line=4.0, ucl=10.0, lcl=0.0, min_measurements=1)
    on_limit = post(api_client, char, defects=10)
    assert on_limit["value"] == 10
    assert rules_of(on_limit) == []
    beyond = post(api_client, char, defects=11)
    assert rules_of(beyond) == [(1, "CRITICAL")]
    assert Sample.objects.get(pk=beyond["id"]).count == 11


def test_u_chart_limits_follow_the_sample_size(api_client: APIClient) -> None:
    # u-bar 2 per unit; 4 units: sigma sqrt(2/4), UCL 2 + 3 sqrt(0.5) = 4.121.
    char = make(
        chart_type="U", subgroup_size=4, center_line=2.0, ucl=2 + 3 * math.sqrt(0.5), lcl=0.0
    )
    inside = post(api_client, char, defects=16, sample_size=4)
    assert inside["value"] == pytest.approx(4.0)
    assert inside["ucl"] == pytest.approx(2 + 3 * math.sqrt(0.5))
    assert rules_of(inside) == []
    beyond = post(api_client, char, defects=18, sample_size=4)
    assert rules_of(beyond) == [(1, "CRITICAL")]
    # 9 units: sigma sqrt(2/9), UCL 2 + 3 sqrt(2)/3 = 3.414, so 4.0 is beyond there.
    wider = post(api_client, char, defects=36, sample_size=9)
    assert wider["ucl"] == pytest.approx(2 + math.sqrt(2))
    assert rules_of(wider) == [(1, "CRITICAL")]


def test_np_chart_counts_defectives(api_client: APIClient) -> None:
    # n 50, p-bar 0.1: CL 5, sigma sqrt(50 * 0.1 * 0.9) = 2.121, UCL 11.364.
    ucl = 5 + 3 * math.sqrt(4.5)
    char = make(chart_type="NP", subgroup_size=50, center_line=5.0, ucl=ucl, lcl=0.0)
    inside = post(api_client, char, defectives=11, sample_size=50)
    assert inside["value"] == 11
    assert rules_of(inside) == []
    assert rules_of(post(api_client, char, defectives=12, sample_size=50)) == [(1, "CRITICAL")]


def test_p_chart_rejects_more_defectives_than_inspected(api_client: APIClient) -> None:
    char = make(chart_type="P", subgroup_size=20)
    response = api_client.post(
        URL,
        {"characteristic": char.pk, "defectives": 21, "sample_size": 20},
        format="json",
    )
    assert response.status_code == 400
    assert "defectives" in response.json()


def test_ewma_smooths_and_uses_the_exact_time_varying_limits(api_client: APIClient) -> None:
    # lambda 0.2, L 3, mu0 10, sigma 1. Each x = 12:
    # z1 = 10.4, UCL1 = 10 + 3 sqrt(0.2/1.8 (1 - 0.8^2)) = 10.6      -> inside
    # z2 = 10.72, UCL2 = 10 + 3 sqrt(0.2/1.8 (1 - 0.8^4)) = 10.768   -> inside
    # z3 = 10.976, UCL3 = 10 + 3 sqrt(0.2/1.8 (1 - 0.8^6)) = 10.859  -> beyond
    char = make(chart_type="EWMA", center_line=10.0, ucl=11.0, lcl=9.0, sigma=1.0)
    bodies = [post(api_client, char, measurements=[12]) for _ in range(3)]
    assert [b["value"] for b in bodies] == pytest.approx([10.4, 10.72, 10.976])
    expected_ucl = [10 + 3 * math.sqrt(0.2 / 1.8 * (1 - 0.8 ** (2 * i))) for i in (1, 2, 3)]
    assert [b["ucl"] for b in bodies] == pytest.approx(expected_ucl)
    assert [rules_of(b) for b in bodies] == [[], [], [(1, "CRITICAL")]]


def test_cusum_signals_when_the_upper_sum_passes_h(api_client: APIClient) -> None:
    # k 0.5, h 5, mu0 10, sigma 1: C+ = max(0, x - 10.5 + C+prev). x = 12 four times:
    # 1.5, 3.0, 4.5, 6.0 -- the fourth passes H = 5; C- stays 0.
    char = make(chart_type="CUSUM", center_line=10.0, ucl=15.0, lcl=5.0, sigma=1.0)
    bodies = [post(api_client, char, measurements=[12]) for _ in range(4)]
    assert [b["value"] for b in bodies] == pytest.approx([1.5, 3.0, 4.5, 6.0])
    assert [b["secondary_value"] for b in bodies] == pytest.approx([0, 0, 0, 0])
    assert bodies[0]["ucl"] == pytest.approx(5.0)
    assert [rules_of(b) for b in bodies] == [[], [], [], [(1, "CRITICAL")]]


# Three of five measurements, mean 11.5, against CL 10 and sigma 1:
# nominal limits 10 +/- 3/sqrt(5) = 11.342 (beyond); own limits 10 +/- 3/sqrt(3) = 11.732
# (inside); standardised z = 1.5 / (1/sqrt(3)) = 2.598 against +/-3 (inside).
SHORT = [11.0, 11.5, 12.0]


def test_nominal_tolerance_judges_a_short_subgroup_on_the_nominal_limits(
    api_client: APIClient,
) -> None:
    char = xbar(min_measurements=2, warn_below_count=4)
    body = post(api_client, char, measurements=SHORT)
    assert body["actual_n"] == 3
    assert body["is_undersized"] is True
    assert body["ucl"] == pytest.approx(10 + 3 / math.sqrt(5))
    assert rules_of(body) == [(1, "CRITICAL")]


def test_variable_limits_widen_for_a_short_subgroup(api_client: APIClient) -> None:
    char = xbar(min_measurements=2, subgroup_mode="VARIABLE_LIMITS")
    body = post(api_client, char, measurements=SHORT)
    assert body["ucl"] == pytest.approx(10 + 3 / math.sqrt(3))
    assert body["lcl"] == pytest.approx(10 - 3 / math.sqrt(3))
    assert rules_of(body) == []
    full = post(api_client, char, measurements=[11.5] * 5)
    assert full["ucl"] == pytest.approx(10 + 3 / math.sqrt(5))
    assert rules_of(full) == [(1, "CRITICAL")]


def test_standardized_plots_z_against_three(api_client: APIClient) -> None:
    char = xbar(min_measurements=2, subgroup_mode="STANDARDIZED")
    body = post(api_client, char, measurements=SHORT)
    assert body["value"] == pytest.approx(1.5 * math.sqrt(3))
    assert (body["center_line"], body["ucl"], body["lcl"]) == (0.0, 3.0, -3.0)
    assert rules_of(body) == []
    beyond = post(api_client, char, measurements=[12.0, 12.0, 12.0])
    assert beyond["value"] == pytest.approx(2 * math.sqrt(3))
    assert rules_of(beyond) == [(1, "CRITICAL")]


def test_subgroup_below_min_measurements_is_a_400(api_client: APIClient) -> None:
    char = xbar(min_measurements=3)
    response = api_client.post(
        URL, {"characteristic": char.pk, "measurements": [10, 11]}, format="json"
    )
    assert response.status_code == 400
    assert "measurements" in response.json()
    assert not Sample.objects.exists()
