"""The audit-trail page shows old → new values as readable rows, not raw JSON (issue 27)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from audit.display import change_rows
from audit.models import AuditEntry
from audit.trail import record
from spc.admin.trail_display import rule_rows
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db

NELSON = {str(i): {"severity": "CRITICAL" if i == 1 else "WARNING"} for i in range(1, 9)}


def test_a_changed_run_length_reads_as_rule_old_to_new():
    new = {**NELSON, "2": {"severity": "WARNING", "length": 8}}
    rows = [(r.label, r.old, r.new) for r in rule_rows(NELSON, new)]
    assert rows == [("Rule 2", "9 in a row", "8 in a row")]


def test_rules_switched_off_and_severities_read_plainly():
    new = {"1": {"severity": "WARNING"}, "5": {"severity": "WARNING", "length": 4}}
    rows = {r.label: f"{r.old} → {r.new}" for r in rule_rows(NELSON, new)}
    assert rows["Rule 1"] == "beyond 3σ, critical → beyond 3σ, warning"
    assert rows["Rule 5"] == "2 of 3 → 2 of 4"
    assert rows["Rule 3"] == "6 in a row → off"
    assert "Rule 6" in rows
    assert "Rule 2" in rows


def test_plain_fields_show_their_label_and_choice_names():
    char = CharacteristicFactory()
    entry = record(
        AuditEntry.Action.CHANGE,
        char,
        old={"ucl": 13.0, "chart_type": "XBAR_R", "active": True, "usl": None},
        new={"ucl": 12.5, "chart_type": "I_MR", "active": False, "usl": 20.0},
    )
    rows = {r.label: (r.old, r.new) for r in change_rows(entry)}
    ucl_label = char._meta.get_field("ucl").verbose_name
    assert rows[ucl_label[0].upper() + ucl_label[1:]] == ("13.0", "12.5")
    chart_label = char._meta.get_field("chart_type").verbose_name
    old_type, new_type = rows[chart_label[0].upper() + chart_label[1:]]
    assert "XBAR_R" not in old_type
    assert "I_MR" not in new_type
    assert ("yes", "no") in rows.values()
    assert ("—", "20.0") in rows.values()


def test_the_audit_page_shows_readable_old_to_new_not_json(client: Client, qa_manager: User):
    char = CharacteristicFactory(rules=NELSON)
    record(
        AuditEntry.Action.CHANGE,
        char,
        old={"rules": NELSON},
        new={"rules": {**NELSON, "2": {"severity": "WARNING", "length": 8}}},
        reason="QA request 12",
    )
    client.force_login(qa_manager)
    page = client.get("/audit/").content.decode()
    assert "Rule 2</span>: 9 in a row → 8 in a row" in page
    assert '{"1":' not in page
    assert "&quot;severity&quot;" not in page


def test_stored_moments_read_in_the_plant_zone(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    entry = record(
        AuditEntry.Action.CREATE,
        object_type="alerts.ReasonCode",
        object_repr="x",
        new={"id": 4, "created_at": "2026-12-06T13:05:09.123+00:00", "note": "2026-12-06"},
    )
    rows = {r.label: r.new for r in change_rows(entry)}
    assert "2026-12-06 14:05:09 CET" in rows.values()
    assert "2026-12-06" in rows.values()
    assert "4" not in rows.values(), "a creation does not list the row's id"
