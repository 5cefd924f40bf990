"""The engineer's recalculation page in the admin and limit edits recorded in history."""

from __future__ import annotations

import math

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from alerts.models import Violation
from spc.models import Characteristic, LimitSet
from spc.pipeline.processing import SubgroupInput, process
from spc.pipeline.windows import windows
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def char_with_data() -> Characteristic:
    windows.clear()
    char = CharacteristicFactory.create()
    for value in [10.0, 11.0] * 10:
        process(SubgroupInput(characteristic_id=char.pk, measurements=(value,)))
    return char


def test_change_form_links_to_recalculation(client: Client, engineer: User) -> None:
    char = CharacteristicFactory.create()
    client.force_login(engineer)
    page = client.get(reverse("admin:spc_characteristic_change", args=[char.pk]))
    assert reverse("admin:spc_characteristic_recalculate", args=[char.pk]) in page.text


def test_preview_then_store(client: Client, engineer: User, char_with_data: Characteristic) -> None:
    client.force_login(engineer)
    url = reverse("admin:spc_characteristic_recalculate", args=[char_with_data.pk])
    assert client.get(url).status_code == 200
    preview = client.post(url, {"last_n": 20, "preview": "1"})
    assert preview.status_code == 200
    assert "limit-preview" in preview.text
    assert "10.500000" in preview.text  # centre line: mean of 10, 11 alternating
    assert not LimitSet.objects.exists()
    unsigned = client.post(url, {"last_n": 20, "store": "1", "reason": "baseline run"})
    assert unsigned.status_code == 200
    assert "password" in unsigned.text.lower()
    wrong = {"last_n": 20, "store": "1", "reason": "baseline run", "signature_password": "nope"}
    assert "Wrong password" in client.post(url, wrong).text
    assert not LimitSet.objects.exists()
    signed = {**wrong, "signature_password": "engineer-pass-1"}
    stored = client.post(url, signed)
    assert stored.status_code == 302
    history = LimitSet.objects.get()
    assert (history.created_by, history.reason) == (engineer, "baseline run")
    char_with_data.refresh_from_db()
    assert char_with_data.center_line == pytest.approx(10.5)


def test_zero_spread_is_a_form_error(client: Client, engineer: User) -> None:
    char = CharacteristicFactory.create()
    for _ in range(5):
        process(SubgroupInput(characteristic_id=char.pk, measurements=(3.0,)))
    client.force_login(engineer)
    url = reverse("admin:spc_characteristic_recalculate", args=[char.pk])
    page = client.post(url, {"last_n": 5, "preview": "1"})
    assert page.status_code == 200
    assert "spread" in page.text.lower()


def test_operator_cannot_open_recalculation(client: Client, operator: User) -> None:
    char = CharacteristicFactory.create()
    client.force_login(operator)
    url = reverse("admin:spc_characteristic_recalculate", args=[char.pk])
    assert client.get(url).status_code == 302  # admin login page: not staff


# --- issue 26: sample size of attribute limits, Phase I review, superseding --------------
# np chart left at n = 1 whose samples inspect 200 items: 62 defectives in 20 samples,
# p-bar = 0.0155, CL = 200 p-bar = 3.1, UCL = 3.1 + 3 sqrt(3.1 (1 - p-bar)) = 8.34.
NP_COUNTS = [3, 2, 4, 3, 5, 1, 3, 4, 2, 3, 3, 4, 2, 5, 3, 2, 3, 4, 3, 3]


def test_np_preview_states_the_average_sample_size(client: Client, engineer: User) -> None:
    windows.clear()
    char = CharacteristicFactory.create(chart_type="NP", subgroup_size=1)
    for count in NP_COUNTS:
        process(SubgroupInput(characteristic_id=char.pk, count=count, sample_size=200))
    client.force_login(engineer)
    url = reverse("admin:spc_characteristic_recalculate", args=[char.pk])
    page = client.post(url, {"last_n": 20, "preview": "1"}).text
    p = 62 / 4000
    assert f"{200 * p:.6f}" in page  # 3.100000
    assert f"{200 * p + 3 * math.sqrt(200 * p * (1 - p)):.6f}" in page  # 8.341...
    assert "average sample size n = 200" in page
    assert "nominal n = 1" in page
    signed = {"last_n": 20, "store": "1", "reason": "first limits"}
    client.post(url, {**signed, "signature_password": "engineer-pass-1"})
    char.refresh_from_db()
    assert char.center_line == pytest.approx(3.1)
    assert LimitSet.objects.get().baseline["sample_size_basis"] == "AVERAGE"
    # A new sample of 200 is judged at p-bar with its own n: CL 3.1 on the point.
    result = process(SubgroupInput(characteristic_id=char.pk, count=3, sample_size=200))
    assert result.sample.center_line == pytest.approx(3.1)


def test_first_limits_offer_the_baseline_evaluation(
    client: Client, engineer: User, char_with_data: Characteristic
) -> None:
    client.force_login(engineer)
    url = reverse("admin:spc_characteristic_recalculate", args=[char_with_data.pk])
    form = client.get(url).text
    assert 'name="evaluate_baseline"' in form
    assert "checked" in form.split('name="evaluate_baseline"')[1].split(">")[0]
    page = client.post(url, {"last_n": 20, "preview": "1", "evaluate_baseline": "on"}).text
    assert "20 samples stored before any limits (Phase I) will be evaluated" in page
    assert "No open violations to close." in page
    store = {
        "last_n": 20,
        "store": "1",
        "evaluate_baseline": "on",
        "reason": "first limits",
        "signature_password": "engineer-pass-1",
    }
    done = client.post(url, store, follow=True).text
    # 10, 11 alternating, sigma = 1/1.128: rule 4 on points 14-20 (7), rule 7 on 15-20 (6).
    assert "judged 20 samples stored before these limits and raised 13 violation(s)" in done
    assert Violation.objects.count() == 13
    later = client.get(url).text
    assert 'name="evaluate_baseline"' not in later  # nothing left without limits
    again = client.post(url, {"last_n": 10, "preview": "1"}).text
    assert "13 open violations raised under the old limits will be closed as superseded" in again
