"""Rule and limit changes in the characteristic admin need a reason and an electronic
signature, recorded on the audit rows; other edits do not (issue 27)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from audit.signatures import LIMIT_CHANGE, RULE_CHANGE
from spc.models import Characteristic
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db
PASSWORD = "engineer-pass-1"


def _post(client: Client, char: Characteristic, **changes: Any) -> Any:
    """POST the change form as loaded, with ``changes`` (False unticks a box)."""
    url = reverse("admin:spc_characteristic_change", args=[char.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data.update(changes)
    data.update({"limit_history-TOTAL_FORMS": 0, "limit_history-INITIAL_FORMS": 0})
    data = {
        k: ("on" if v is True else v)
        for k, v in data.items()
        if v is not None and v is not False and not isinstance(v, list)
    }
    return client.post(url, data)


@pytest.fixture
def char(client: Client, engineer: User) -> Characteristic:
    client.force_login(engineer)
    made: Characteristic = CharacteristicFactory()
    return made


def _errors(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, "the change was stored"
    return dict(response.context["adminform"].form.errors)


def test_a_rule_change_without_reason_or_signature_is_refused(client, char):
    before = dict(char.rules)
    errors = _errors(_post(client, char, rule_2_length=8))
    assert "change_reason" in errors
    assert "signature_password" not in errors
    errors = _errors(_post(client, char, rule_2_length=8, change_reason="QA request"))
    assert errors["signature_password"] == ["Re-enter your password to sign this change."]
    errors = _errors(
        _post(client, char, rule_2_length=8, change_reason="QA", signature_password="wrong")
    )
    assert "Wrong password" in errors["signature_password"][0]
    char.refresh_from_db()
    assert char.rules == before
    changes = AuditEntry.objects.filter(action=AuditEntry.Action.CHANGE)
    assert not changes.filter(object_type="spc.Characteristic").exists()


def test_a_signed_rule_change_is_recorded_with_reason_and_signature(client, char, engineer):
    response = _post(
        client, char, rule_2_length=8, change_reason="QA request 12", signature_password=PASSWORD
    )
    assert response.status_code == 302
    char.refresh_from_db()
    assert char.rules["2"]["length"] == 8
    entry = AuditEntry.objects.get(
        action=AuditEntry.Action.CHANGE, object_type="spc.Characteristic", object_id=str(char.pk)
    )
    assert entry.reason == "QA request 12"
    assert entry.signature_meaning == RULE_CHANGE
    assert entry.user == engineer
    assert entry.new["rules"]["2"] == {"severity": "WARNING", "length": 8}


def test_a_signed_limit_edit_signs_the_limit_history_row(client, char):
    response = _post(
        client,
        char,
        center_line=10.0,
        ucl=13.0,
        lcl=7.0,
        change_reason="Limits from the PPAP study",
        signature_password=PASSWORD,
    )
    assert response.status_code == 302
    limits = AuditEntry.objects.get(action=AuditEntry.Action.LIMITS, object_id=str(char.pk))
    assert limits.reason == "Limits from the PPAP study"
    assert limits.signature_meaning == LIMIT_CHANGE


def test_a_limit_edit_without_signature_is_refused(client, char):
    errors = _errors(_post(client, char, center_line=10.0, ucl=13.0, lcl=7.0))
    assert "change_reason" in errors
    char.refresh_from_db()
    assert char.center_line is None


def test_other_edits_need_no_signature(client, char):
    response = _post(client, char, description="Bore on the left side")
    assert response.status_code == 302
    entry = AuditEntry.objects.get(
        action=AuditEntry.Action.CHANGE, object_type="spc.Characteristic", object_id=str(char.pk)
    )
    assert entry.signature_meaning == ""
    assert entry.reason == ""


def test_rule_1_has_no_run_length_box(client, char):
    html = client.get(reverse("admin:spc_characteristic_change", args=[char.pk])).content
    assert b'name="rule_1_length"' not in html
    assert b'name="rule_2_length"' in html
    assert b"js/admin_rule_presets.js" in html
