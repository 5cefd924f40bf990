"""The engineer's recalculation page in the admin and limit edits recorded in history."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

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
