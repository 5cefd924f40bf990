"""The characteristic admin's rule grid: every parameter (length, count, sigma) and the
R/S/MR pane switch round-trip through the ``rules`` JSON; the rule engine's ``check_spec``
messages are form errors on the parameter they name; a preset is remembered with its
version ("AIAG@1") until the grid is edited by hand."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from spc.models import Characteristic
from spc.tests.factories import CharacteristicFactory
from spc.tests.test_admin_signed_changes import PASSWORD, _errors, _post

pytestmark = pytest.mark.django_db
SIGNED = {"change_reason": "QA request 20", "signature_password": PASSWORD}


@pytest.fixture
def char(client: Client, engineer: User) -> Characteristic:
    client.force_login(engineer)
    made: Characteristic = CharacteristicFactory(chart_type="XBAR_R", subgroup_size=5)
    return made


def _saved(client: Client, char: Characteristic, **changes: Any) -> Characteristic:
    response = _post(client, char, **changes, **SIGNED)
    assert response.status_code == 302, response.context["adminform"].form.errors
    char.refresh_from_db()
    return char


def test_count_and_sigma_round_trip_with_the_secondary_pane(client, char):
    char = _saved(
        client,
        char,
        rule_6_length=6,
        rule_6_count=5,
        rule_6_sigma="1.5",
        rule_2_secondary=True,
        rule_2_secondary_severity="INFORMATIONAL",
        rule_7_enabled=False,
    )
    assert char.rules["6"] == {"severity": "WARNING", "length": 6, "count": 5, "sigma": 1.5}
    assert "7" not in char.rules
    # rule 1 stays on the R pane (the default), rule 2 joins it with its own severity
    assert char.rules["secondary"] == {
        "1": {"severity": "CRITICAL"},
        "2": {"severity": "INFORMATIONAL"},
    }
    form = client.get(f"/admin/spc/characteristic/{char.pk}/change/").context["adminform"].form
    assert (form["rule_6_count"].value(), str(form["rule_6_sigma"].value())) == (5, "1.5")
    assert form["rule_2_secondary"].value() is True
    assert form["rule_2_secondary_severity"].value() == "INFORMATIONAL"
    assert form["rule_1_secondary"].value() is True
    assert form["rule_7_enabled"].value() is False


def test_an_unchanged_save_keeps_the_stored_rules_and_needs_no_signature(client, char):
    before = dict(char.rules)
    response = _post(client, char, name="Renamed")
    assert response.status_code == 302, response.context["adminform"].form.errors
    char.refresh_from_db()
    assert char.rules == before
    assert "secondary" not in char.rules


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"rule_5_count": 4}, "rule_5_count", "Rule 5: count (4) cannot exceed length (3)"),
        ({"rule_6_sigma": "0"}, "rule_6_sigma", "Rule 6: sigma must be a positive multiple"),
        ({"rule_3_length": 2}, "rule_3_length", "needs a length of at least 3"),
        ({"rule_2_length": 101}, "rule_2_length", "less than or equal to 100"),
    ],
)
def test_check_spec_messages_are_errors_on_the_parameter(client, char, changes, field, message):
    errors = _errors(_post(client, char, **changes, **SIGNED))
    assert any(message in e for e in errors.get(field, [])), errors


def test_a_bad_parameter_on_a_rule_only_on_the_secondary_pane_is_refused(client, char):
    errors = _errors(
        _post(client, char, rule_5_enabled=False, rule_5_secondary=True, rule_5_count=9, **SIGNED)
    )
    assert any("Rule 5: count (9)" in e for e in errors["rule_5_count"]), errors


def test_a_preset_is_remembered_with_its_version_until_edited_by_hand(client, char):
    char = _saved(client, char, rule_preset="AIAG")
    assert char.rule_preset == "AIAG@1"
    assert (char.rules["2"]["length"], char.rules["3"]["length"]) == (7, 7)
    page = client.get(f"/admin/spc/characteristic/{char.pk}/change/").content.decode()
    assert "AIAG SPC manual (2nd ed.) (AIAG@1)" in page
    # saving the same grid keeps it; editing a parameter by hand clears it
    char = _saved(client, char, name="Bore")
    assert char.rule_preset == "AIAG@1"
    char = _saved(client, char, rule_4_length=12)
    assert char.rule_preset == ""
    assert (
        "edited by hand"
        in client.get(f"/admin/spc/characteristic/{char.pk}/change/").content.decode()
    )


def test_montgomery_preset_fills_the_grid(client, char):
    char = _saved(client, char, rule_preset="MONTGOMERY")
    assert char.rule_preset == "MONTGOMERY@1"
    assert set(char.rules) == {str(i) for i in range(1, 9)}
    assert char.rules["2"] == {"severity": "WARNING", "length": 8}
