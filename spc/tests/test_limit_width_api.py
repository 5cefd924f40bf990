"""Limit width, variable-n method and Laney p′ over REST: bad input is a 400 on the field,
a recalculation stores k and the method with the limits, chart data shows k and sigma-Z.

Expected numbers: the Laney baseline of spc/tests/core/test_laney.py (worked by hand from
Laney 2002 / Minitab's formulas: p-bar = 0.1, sigma_Z = (7/3)/1.128).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from spc.models import LimitSet
from spc.pipeline.windows import windows
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db
CHARS = "/api/v1/characteristics/"
SAMPLES = "/api/v1/samples/"
SIGNED = {"reason": "baseline", "signature_password": "engineer-pass-1"}


@pytest.fixture(autouse=True)
def _fresh_windows() -> None:
    windows.clear()


@pytest.fixture
def staff(engineer: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(engineer)
    return client


@pytest.mark.parametrize("bad", [0, -1, 6.5])
def test_a_limit_width_outside_0_to_6_is_a_400_on_the_field(staff: APIClient, bad: float) -> None:
    char = CharacteristicFactory.create()
    response = staff.patch(f"{CHARS}{char.pk}/", {"limit_sigma": bad}, format="json")
    assert response.status_code == 400
    assert "limit_sigma" in response.json()


def test_montgomerys_method_on_an_x_bar_r_chart_is_a_400(staff: APIClient) -> None:
    char = CharacteristicFactory.create(chart_type="XBAR_R", subgroup_size=5, min_measurements=2)
    body = {"variable_n_method": "MONTGOMERY"}
    response = staff.patch(f"{CHARS}{char.pk}/", body, format="json")
    assert response.status_code == 400
    assert "variable_n_method" in response.json()


def test_the_width_of_limits_in_force_changes_only_with_a_recalculation(staff: APIClient) -> None:
    char = CharacteristicFactory.create(center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)
    response = staff.patch(f"{CHARS}{char.pk}/", {"limit_sigma": 2.5}, format="json")
    assert response.status_code == 400
    assert "recalculate" in response.json()["limit_sigma"][0]


def test_a_laney_p_prime_recalculation_stores_sigma_z_and_k(
    staff: APIClient, api_client: APIClient
) -> None:
    char = CharacteristicFactory.create(chart_type="P_LANEY", subgroup_size=100)
    for count, size in ((13, 100), (72, 900), (7, 100), (108, 900)):
        body = {"characteristic": char.pk, "defectives": count, "sample_size": size}
        assert api_client.post(SAMPLES, body, format="json").status_code == 201
    response = staff.post(
        f"{CHARS}{char.pk}/recalculate-limits/", {"last_n": 4, **SIGNED}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    sigma_z = (7 / 3) / 1.128
    assert body["sigma_z"] == pytest.approx(sigma_z)
    assert body["limit_sigma"] == 3.0
    assert LimitSet.objects.get(characteristic=char).sigma_z == pytest.approx(sigma_z)
    data = staff.get(f"{CHARS}{char.pk}/chart-data/").json()
    assert data["limits"]["sigma_z"] == pytest.approx(sigma_z)
    # A new point at n = 900 is judged against 0.1 +/- 3 (0.01) sigma_Z.
    new = api_client.post(
        SAMPLES, {"characteristic": char.pk, "defectives": 153, "sample_size": 900}, format="json"
    ).json()
    assert new["ucl"] == pytest.approx(0.1 + 0.03 * sigma_z)
    assert 1 in {v["rule"] for v in new["violations"]}


def test_a_recalculation_at_another_width_stores_it_with_the_limits(
    staff: APIClient, api_client: APIClient
) -> None:
    char = CharacteristicFactory.create()
    for x in [49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1]:  # NIST flow rate
        api_client.post(SAMPLES, {"characteristic": char.pk, "measurements": [x]}, format="json")
    body = {"last_n": 10, "limit_sigma": 2.0, **SIGNED}
    response = staff.post(f"{CHARS}{char.pk}/recalculate-limits/", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["ucl"] == pytest.approx(50.81 + 2 * 1.8778 / 1.128, abs=5e-4)
    char.refresh_from_db()
    assert char.limit_sigma == 2.0
    assert LimitSet.objects.get(characteristic=char).limit_sigma == 2.0
    assert staff.get(f"{CHARS}{char.pk}/chart-data/").json()["limits"]["limit_sigma"] == 2.0
    refused = staff.post(
        f"{CHARS}{char.pk}/recalculate-limits/",
        {"last_n": 10, "limit_sigma": 9, **SIGNED},
        format="json",
    )
    assert refused.status_code == 400
