"""The audit trail: every kind of change leaves a row with who, when, old and new values."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import User

from alerts.models import ReasonCode
from alerts.services import acknowledge
from alerts.tests.factories import ReasonCodeFactory, ViolationFactory
from audit.exports import csv_response
from audit.models import AuditEntry
from audit.signatures import LIMIT_CHANGE, ChangeRefused, SignatureError, require_reason, sign
from audit.trail import acting_as
from hierarchy.tests.factories import NodeFactory
from spc.models import Characteristic
from spc.pipeline.limit_changes import (
    clear_limits,
    recalculate_limits,
    set_excluded,
    set_manual_limits,
)
from spc.pipeline.processing import SubgroupInput, process
from spc.pipeline.windows import windows
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_windows() -> None:
    windows.clear()


def last(action: str) -> AuditEntry:
    entry = AuditEntry.objects.filter(action=action).order_by("-id").first()
    assert entry is not None, f"no {action} entry"
    return entry


def test_creating_changing_and_deleting_a_node_is_recorded(engineer: User) -> None:
    with acting_as(engineer):
        node = NodeFactory(name="Plant A", code="plant-a")
        node.name = "Plant B"
        node.save()
        pk, path = node.pk, node.path
        node.delete()
    created = AuditEntry.objects.get(action="CREATE", object_type="hierarchy.Node")
    assert created.user == engineer
    assert created.username == "ernst"
    assert created.old is None
    assert created.new["name"] == "Plant A"
    assert created.object_id == str(pk)
    assert created.path == path
    changed = last("CHANGE")
    assert (changed.old, changed.new) == ({"name": "Plant A"}, {"name": "Plant B"})
    deleted = last("DELETE")
    assert deleted.old["name"] == "Plant B"
    assert deleted.new is None


def test_characteristic_rules_and_mapping_changes_keep_old_and_new(engineer: User) -> None:
    char = CharacteristicFactory.create(mqtt_topic="plant/a/bore")
    with acting_as(engineer):
        char.rules = {"1": {"severity": "CRITICAL"}}
        char.mqtt_topic = "plant/b/bore"
        char.save()
    entry = last("CHANGE")
    assert entry.object_type == "spc.Characteristic"
    assert entry.path == char.hierarchy.path
    assert entry.old["mqtt_topic"] == "plant/a/bore"
    assert entry.new["mqtt_topic"] == "plant/b/bore"
    assert entry.new["rules"] == {"1": {"severity": "CRITICAL"}}
    assert "1" in entry.old["rules"]
    assert "8" in entry.old["rules"]


def test_an_unchanged_save_records_nothing() -> None:
    char = CharacteristicFactory.create()
    before = AuditEntry.objects.count()
    Characteristic.objects.get(pk=char.pk).save()
    assert AuditEntry.objects.count() == before


def test_reason_code_create_change_delete_are_plant_wide_rows(engineer: User) -> None:
    with acting_as(engineer):
        code = ReasonCode.objects.create(code="coolant", description="Coolant low")
        code.active = False
        code.save()
        code.delete()
    rows = AuditEntry.objects.filter(object_type="alerts.ReasonCode").order_by("id")
    assert [r.action for r in rows] == ["CREATE", "CHANGE", "DELETE"]
    assert rows[1].old == {"active": True}
    assert rows[1].new == {"active": False}
    assert all(r.path == "" and r.user == engineer for r in rows)


def feed(char: Characteristic, values: list[float]) -> list[object]:
    return [
        process(SubgroupInput(characteristic_id=char.pk, measurements=(v,))).sample for v in values
    ]


def test_limit_changes_carry_old_new_reason_and_signature(engineer: User) -> None:
    char = CharacteristicFactory.create()
    feed(char, [10.0, 11.0] * 5)
    signature = sign(engineer, "engineer-pass-1", LIMIT_CHANGE)
    recalculate_limits(char, user=engineer, reason="new tool", signature=signature)
    first = last("LIMITS")
    assert first.old["center_line"] is None
    assert first.new["center_line"] == pytest.approx(10.5)
    assert first.reason == "new tool"
    assert first.signature_meaning == LIMIT_CHANGE
    assert first.is_signed
    assert first.time == signature.time
    assert first.user == engineer

    set_manual_limits(char, center_line=10, ucl=13, lcl=7, user=engineer, reason="spec")
    manual = last("LIMITS")
    assert manual.old["center_line"] == pytest.approx(10.5)
    assert (manual.new["center_line"], manual.new["method"]) == (10.0, "MANUAL")
    assert not manual.is_signed
    clear_limits(char, user=engineer, reason="restart")
    assert last("LIMITS").new["ucl"] is None
    assert last("LIMITS").old["ucl"] == 13.0


def test_a_dry_run_records_nothing(engineer: User) -> None:
    char = CharacteristicFactory.create()
    feed(char, [10.0, 11.0] * 5)
    recalculate_limits(char, dry_run=True, user=engineer)
    assert not AuditEntry.objects.filter(action="LIMITS").exists()


def test_exclusion_and_inclusion_are_recorded(engineer: User) -> None:
    char = CharacteristicFactory.create()
    sample = feed(char, [10.0])[0]
    set_excluded(sample, True, reason="probe dropped", user=engineer)
    entry = last("EXCLUDE")
    assert entry.old == {"is_excluded": False, "exclusion_reason": ""}
    assert entry.new == {"is_excluded": True, "exclusion_reason": "probe dropped"}
    assert entry.reason == "probe dropped"
    assert entry.path == char.hierarchy.path
    set_excluded(sample, False, user=engineer)
    assert last("INCLUDE").old["is_excluded"] is True


def test_every_acknowledged_violation_gets_a_row(operator: User) -> None:
    first = ViolationFactory()
    second = ViolationFactory(characteristic=first.characteristic, sample=first.sample, rule=5)
    ReasonCodeFactory(code="tool-wear")
    acknowledge([first.pk, second.pk], user=operator, reason_code="tool-wear", comment="ok")
    rows = AuditEntry.objects.filter(action="ACKNOWLEDGE").order_by("object_id")
    assert [r.object_id for r in rows] == [str(first.pk), str(second.pk)]
    assert rows[0].new["reason_code"] == "tool-wear"
    assert rows[0].old["acknowledged_at"] is None
    assert rows[0].user == operator


def test_wrong_or_missing_password_refuses_to_sign(engineer: User) -> None:
    with pytest.raises(SignatureError) as wrong:
        sign(engineer, "not-my-password", LIMIT_CHANGE)
    assert wrong.value.field == "signature_password"
    assert "Wrong password" in wrong.value.message
    with pytest.raises(SignatureError):
        sign(engineer, "", LIMIT_CHANGE)
    with pytest.raises(ChangeRefused):
        require_reason("   ")


def test_csv_export_has_one_row_per_entry_and_defuses_formulas(engineer: User) -> None:
    with acting_as(engineer):
        ReasonCode.objects.create(code="x", description="=HYPERLINK(1)")
    response = csv_response(AuditEntry.objects.order_by("id"))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["time", "user", "action"]
    assert len(rows) == 1 + AuditEntry.objects.count()
    code_row = next(row for row in rows if row[3] == "alerts.ReasonCode")
    assert '"=HYPERLINK(1)"' in code_row[-1]  # JSON text, quoted
    assert not any(cell.startswith("=") for row in rows[1:] for cell in row)
