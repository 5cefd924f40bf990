"""No unaudited write (issue 23): every admin change form and every API write endpoint
either cannot change a quality record or leaves an audit entry when it does.

Two walks, so a new admin or endpoint fails here until someone says how it is audited:

* the admin: every registered model (and inline) a superuser may add, change or delete is
  recorded by the trail's signals (``AUDIT_CONFIG_MODELS``) or listed below with what
  records it; samples, violations, limit history and the trail itself are read-only;
* the API: every POST/PUT/PATCH/DELETE of the OpenAPI schema is listed below with how it is
  audited, and each listed as ``AUDITED`` is called and must add an audit entry (or be
  refused without writing).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.db.models.signals import post_delete, post_save
from django.test import Client, RequestFactory
from django.utils import timezone
from drf_spectacular.generators import EndpointEnumerator
from rest_framework.test import APIClient

from alerts.tests.factories import ReasonCodeFactory, ViolationFactory
from audit.config_changes import config_models
from audit.models import AuditEntry
from conftest import persona
from hierarchy.models import SiteGrant
from hierarchy.roles import ENGINEER
from hierarchy.tests.factories import build_plant
from msa.models import Gauge
from spc.models import Characteristic, PartTarget, Sample
from spc.pipeline.processing import SubgroupInput, process
from spc.pipeline.windows import windows
from spc.quality_records import Annotation
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db
PASSWORD = "walker-pass-123"

#: Writable in the admin but recorded by other means than the trail's model signals.
ADMIN_RECORDED_OTHERWISE = {
    "hierarchy.ApiToken": "issued and revoked through hierarchy.tokens (CREATE/CHANGE rows)",
    "authtoken.TokenProxy": "hierarchy.admin.AuditedTokenAdmin records issue and delete "
    "by user (the key is the primary key: kept out of the trail)",
}
#: Writable (deletable) in the admin, not quality records.
ADMIN_NOT_RECORDS = {
    "axes.AccessAttempt": "login attempt log (deleting one lifts a lockout)",
    "axes.AccessLog": "login log",
    "axes.AccessFailureLog": "login failure log",
    "alerts.Delivery": "notification delivery log",
    "ingest.DeadLetter": "refused ingest messages (diagnostics)",
    "ingest.IngestCounter": "ingest counters (diagnostics)",
    "ingest.Import": "an import job; its samples are records of their own, never deleted here",
}
#: Must stay read-only in the admin (no add, change or delete for anyone).
ADMIN_READ_ONLY = {"spc.Sample", "alerts.Violation", "spc.LimitSet", "audit.AuditEntry"}

AUDITED = "audited"  # called below: must add an audit entry
#: (method, path) -> how the write is recorded.
API_WRITES = {
    ("POST", "/api/v1/characteristics/"): AUDITED,
    ("PUT", "/api/v1/characteristics/{pk}/"): AUDITED,
    ("PATCH", "/api/v1/characteristics/{pk}/"): AUDITED,
    ("DELETE", "/api/v1/characteristics/{pk}/"): AUDITED,
    ("POST", "/api/v1/characteristics/{pk}/recalculate-limits/"): "LIMITS row, signed "
    "(spc/tests/test_api_limits.py)",
    ("POST", "/api/v1/hierarchy/"): AUDITED,
    ("PUT", "/api/v1/hierarchy/{pk}/"): AUDITED,
    ("PATCH", "/api/v1/hierarchy/{pk}/"): AUDITED,
    ("DELETE", "/api/v1/hierarchy/{pk}/"): AUDITED,
    ("POST", "/api/v1/msa/gauges/"): AUDITED,
    ("PUT", "/api/v1/msa/gauges/{pk}/"): AUDITED,
    ("PATCH", "/api/v1/msa/gauges/{pk}/"): AUDITED,
    ("DELETE", "/api/v1/msa/gauges/{pk}/"): AUDITED,
    ("POST", "/api/v1/msa/studies/"): "msa.GaugeStudy in AUDIT_CONFIG_MODELS",
    ("PUT", "/api/v1/msa/studies/{pk}/"): "msa.GaugeStudy in AUDIT_CONFIG_MODELS",
    ("PATCH", "/api/v1/msa/studies/{pk}/"): "msa.GaugeStudy in AUDIT_CONFIG_MODELS",
    ("DELETE", "/api/v1/msa/studies/{pk}/"): "msa.GaugeStudy in AUDIT_CONFIG_MODELS",
    ("POST", "/api/v1/msa/studies/{pk}/complete/"): "msa.GaugeStudy CHANGE (status, verdict)",
    ("POST", "/api/v1/msa/studies/{pk}/measurements/"): "new readings only, each stored "
    "once with who and when; never changed",
    ("POST", "/api/v1/multivariate/groups/{pk}/calculate-limits/"): "multivariate."
    "MultivariateGroup CHANGE (mean, covariance, UCL) (multivariate/tests/test_api.py)",
    ("POST", "/api/v1/reason-codes/"): AUDITED,
    ("PUT", "/api/v1/reason-codes/{pk}/"): AUDITED,
    ("PATCH", "/api/v1/reason-codes/{pk}/"): AUDITED,
    ("DELETE", "/api/v1/reason-codes/{pk}/"): AUDITED,
    ("POST", "/api/v1/reports/jobs/"): "reads only: builds a file",
    ("POST", "/api/v1/imports/"): "an import job (file, mapping, who): writes no record",
    ("POST", "/api/v1/imports/{pk}/start/"): "new samples only, through the pipeline, "
    "stored with their source and the job's user",
    ("POST", "/api/v1/samples/"): "new records only, stored with who, source and time; "
    "changed only by exclusion or signed correction",
    ("PATCH", "/api/v1/samples/{pk}/"): AUDITED,
    ("POST", "/api/v1/samples/{pk}/correct/"): AUDITED,
    ("POST", "/api/v1/violations/{pk}/acknowledge/"): AUDITED,
    ("POST", "/api/v1/violations/batch-acknowledge/"): AUDITED,
    ("POST", "/api/v1/corrective-actions/"): AUDITED,
    ("PATCH", "/api/v1/corrective-actions/{pk}/"): AUDITED,
    ("POST", "/api/v1/annotations/"): AUDITED,
    ("PATCH", "/api/v1/annotations/{pk}/"): AUDITED,
    ("DELETE", "/api/v1/annotations/{pk}/"): AUDITED,
    ("POST", "/api/v1/characteristics/{characteristic_pk}/parts/"): AUDITED,
    ("PUT", "/api/v1/characteristics/{characteristic_pk}/parts/{pk}/"): AUDITED,
    ("PATCH", "/api/v1/characteristics/{characteristic_pk}/parts/{pk}/"): AUDITED,
    ("DELETE", "/api/v1/characteristics/{characteristic_pk}/parts/{pk}/"): AUDITED,
}


def _label(model: Any) -> str:
    return str(model._meta.label)


def test_every_writable_admin_model_is_audited() -> None:
    boss = User.objects.create_superuser("boss", password=PASSWORD)
    request = RequestFactory().get("/admin/")
    request.user = boss
    audited = set(config_models())
    unaudited = []
    for model, model_admin in admin.site._registry.items():
        editors: list[Any] = [(model, model_admin)] + [
            (inline.model, inline) for inline in model_admin.get_inline_instances(request)
        ]
        for edited, editor in editors:
            label = _label(edited)
            inline = editor is not model_admin
            if inline:
                adds = editor.has_add_permission(request, None)
            else:
                adds = editor.has_add_permission(request)
            editable = set(editor.get_fields(request)) - set(editor.get_readonly_fields(request))
            if inline:  # the key to the parent is no field of the inline's rows
                editable -= {f.name for f in edited._meta.fields if f.related_model is model}
            changes = editor.has_change_permission(request) and bool(editable)
            if inline:  # an inline changes only through its parent's change form
                changes = changes and model_admin.has_change_permission(request)
            deletes = editor.has_delete_permission(request) and getattr(editor, "can_delete", True)
            writes = adds or changes or deletes
            if label in ADMIN_READ_ONLY:
                assert not writes, f"{label} must be read-only in the admin"
                continue
            if not writes or label in ADMIN_RECORDED_OTHERWISE or label in ADMIN_NOT_RECORDS:
                continue
            if label not in audited:
                unaudited.append(label)
                continue
            assert post_save.has_listeners(edited), label
            assert post_delete.has_listeners(edited), label
    assert unaudited == [], f"admin can change these without an audit entry: {unaudited}"


def test_every_api_write_endpoint_is_listed() -> None:
    writes = {
        (method, path)
        for path, _, method, _ in EndpointEnumerator().get_api_endpoints()
        if method in {"POST", "PUT", "PATCH", "DELETE"}
    }
    assert writes - set(API_WRITES) == set(), "new write endpoints: say how they are audited"
    assert set(API_WRITES) - writes == set(), "listed endpoints that no longer exist"
    config_rows = [how for how in API_WRITES.values() if "AUDIT_CONFIG_MODELS" in how]
    assert all("msa.GaugeStudy" in how for how in config_rows)
    assert "msa.GaugeStudy" in config_models()


@pytest.fixture
def world() -> dict[str, Any]:
    windows.clear()
    plant = build_plant()
    char = CharacteristicFactory.create(
        hierarchy=plant["line"], center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0
    )
    for value in (10.0, 10.2, 20.0):
        process(SubgroupInput(characteristic_id=char.pk, measurements=(value,)))
    samples = list(Sample.objects.filter(characteristic=char).order_by("id"))
    violation = ViolationFactory.create(sample=samples[0], rule=2, severity="WARNING")
    ReasonCodeFactory.create(code="tool-wear")
    user = persona("walker", PASSWORD, ENGINEER, is_staff=True)
    spare = CharacteristicFactory.create(hierarchy=plant["line"], name="Spare")
    note = Annotation.objects.create(characteristic=char, text="x", start=timezone.now())
    gauge = Gauge.objects.create(code="G-1", name="Caliper", site=plant["site"])
    part = PartTarget.objects.create(characteristic=char, part_number="A", target=1.0)
    return {
        "plant": plant, "char": char, "samples": samples, "violation": violation,
        "user": user, "spare": spare, "note": note, "gauge": gauge, "part": part,
    }  # fmt: skip


def _calls(w: dict[str, Any]) -> dict[tuple[str, str], Callable[[], tuple[str, Any]]]:
    """(method, path) -> a call producing (concrete url, body)."""
    char, spare, line = w["char"], w["spare"], w["plant"]["line"]
    sample = w["samples"][1]
    signed = {"reason": "walk", "signature_password": PASSWORD}
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    code = ReasonCodeFactory.create(code="walk-code")
    made: dict[str, int] = {}

    def action_id() -> int:
        if "action" not in made:
            body = {
                "violation": w["violation"].pk,
                "title": "t",
                "owner": "walker",
                "due_date": due,
            }
            made["action"] = (
                APIClient_for(w["user"])
                .post("/api/v1/corrective-actions/", body, format="json")
                .json()["id"]
            )
        return made["action"]

    base = {"hierarchy": line.pk, "chart_type": "I_MR", "subgroup_size": 1}
    return {
        ("POST", "/api/v1/characteristics/"): lambda: (
            "/api/v1/characteristics/", {**base, "name": "New"}),
        ("PUT", "/api/v1/characteristics/{pk}/"): lambda: (
            f"/api/v1/characteristics/{spare.pk}/", {**base, "name": "Spare 2"}),
        ("PATCH", "/api/v1/characteristics/{pk}/"): lambda: (
            f"/api/v1/characteristics/{char.pk}/", {"ucl": 14.0, **signed}),
        ("DELETE", "/api/v1/characteristics/{pk}/"): lambda: (
            f"/api/v1/characteristics/{spare.pk}/", None),
        ("POST", "/api/v1/hierarchy/"): lambda: (
            "/api/v1/hierarchy/",
            {"name": "Cell 9", "code": "cell-9", "level": "CELL", "parent": line.pk}),
        ("PUT", "/api/v1/hierarchy/{pk}/"): lambda: (
            f"/api/v1/hierarchy/{w['plant']['equipment'].pk}/",
            {"name": "Eq 2", "code": "eq-2", "level": "EQUIPMENT",
             "parent": w["plant"]["cell"].pk}),
        ("PATCH", "/api/v1/hierarchy/{pk}/"): lambda: (
            f"/api/v1/hierarchy/{line.pk}/", {"name": "Line 1b"}),
        ("DELETE", "/api/v1/hierarchy/{pk}/"): lambda: (
            f"/api/v1/hierarchy/{w['plant']['equipment'].pk}/", None),
        ("POST", "/api/v1/msa/gauges/"): lambda: (
            "/api/v1/msa/gauges/",
            {"code": "G-2", "name": "Micrometer", "site": w["plant"]["site"].pk}),
        ("PUT", "/api/v1/msa/gauges/{pk}/"): lambda: (
            f"/api/v1/msa/gauges/{w['gauge'].pk}/",
            {"code": "G-1", "name": "Caliper 2", "site": w["plant"]["site"].pk}),
        ("PATCH", "/api/v1/msa/gauges/{pk}/"): lambda: (
            f"/api/v1/msa/gauges/{w['gauge'].pk}/", {"name": "Caliper 3"}),
        ("DELETE", "/api/v1/msa/gauges/{pk}/"): lambda: (
            f"/api/v1/msa/gauges/{w['gauge'].pk}/", None),
        ("POST", "/api/v1/reason-codes/"): lambda: (
            "/api/v1/reason-codes/", {"code": "new-code", "description": "New"}),
        ("PUT", "/api/v1/reason-codes/{pk}/"): lambda: (
            f"/api/v1/reason-codes/{code.pk}/", {"code": "walk-code", "description": "W"}),
        ("PATCH", "/api/v1/reason-codes/{pk}/"): lambda: (
            f"/api/v1/reason-codes/{code.pk}/", {"description": "W2"}),
        ("DELETE", "/api/v1/reason-codes/{pk}/"): lambda: (
            f"/api/v1/reason-codes/{code.pk}/", None),
        ("PATCH", "/api/v1/samples/{pk}/"): lambda: (
            f"/api/v1/samples/{sample.pk}/",
            {"is_excluded": True, "exclusion_reason": "walk", "signature_password": PASSWORD}),
        ("POST", "/api/v1/samples/{pk}/correct/"): lambda: (
            f"/api/v1/samples/{sample.pk}/correct/", {"measurements": [10.25], **signed}),
        ("POST", "/api/v1/violations/{pk}/acknowledge/"): lambda: (
            f"/api/v1/violations/{w['violation'].pk}/acknowledge/", {"reason_code": "tool-wear"}),
        ("POST", "/api/v1/violations/batch-acknowledge/"): lambda: (
            "/api/v1/violations/batch-acknowledge/",
            {"ids": [w["violation"].pk], "reason_code": "tool-wear"}),
        ("POST", "/api/v1/corrective-actions/"): lambda: (
            "/api/v1/corrective-actions/",
            {"violation": w["violation"].pk, "title": "t2", "owner": "walker", "due_date": due}),
        ("PATCH", "/api/v1/corrective-actions/{pk}/"): lambda: (
            f"/api/v1/corrective-actions/{action_id()}/", {"status": "IN_PROGRESS"}),
        ("POST", "/api/v1/annotations/"): lambda: (
            "/api/v1/annotations/", {"characteristic": char.pk, "text": "n", "sample": sample.pk}),
        ("PATCH", "/api/v1/annotations/{pk}/"): lambda: (
            f"/api/v1/annotations/{w['note'].pk}/", {"text": "changed"}),
        ("DELETE", "/api/v1/annotations/{pk}/"): lambda: (
            f"/api/v1/annotations/{w['note'].pk}/", None),
        ("POST", "/api/v1/characteristics/{characteristic_pk}/parts/"): lambda: (
            f"/api/v1/characteristics/{char.pk}/parts/", {"part_number": "B", "target": 2.0}),
        ("PUT", "/api/v1/characteristics/{characteristic_pk}/parts/{pk}/"): lambda: (
            f"/api/v1/characteristics/{char.pk}/parts/{w['part'].pk}/",
            {"part_number": "A", "target": 1.5}),
        ("PATCH", "/api/v1/characteristics/{characteristic_pk}/parts/{pk}/"): lambda: (
            f"/api/v1/characteristics/{char.pk}/parts/{w['part'].pk}/", {"target": 1.25}),
        ("DELETE", "/api/v1/characteristics/{characteristic_pk}/parts/{pk}/"): lambda: (
            f"/api/v1/characteristics/{char.pk}/parts/{w['part'].pk}/", None),
    }  # fmt: skip


def APIClient_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


AUDITED_ENDPOINTS = sorted(key for key, how in API_WRITES.items() if how == AUDITED)


@pytest.mark.parametrize(("method", "path"), AUDITED_ENDPOINTS)
def test_each_audited_api_write_leaves_an_entry(
    world: dict[str, Any], method: str, path: str
) -> None:
    url, body = _calls(world)[(method, path)]()
    before = AuditEntry.objects.count()
    response = getattr(APIClient_for(world["user"]), method.lower())(url, body, format="json")
    assert response.status_code < 300, response.content
    assert AuditEntry.objects.count() > before, f"{method} {path} wrote without an audit entry"


def test_a_characteristic_with_samples_is_not_deleted(world: dict[str, Any]) -> None:
    api = APIClient_for(world["user"])
    assert api.delete(f"/api/v1/characteristics/{world['char'].pk}/").status_code == 409
    assert Sample.objects.filter(characteristic=world["char"]).count() == 3


def test_admin_refuses_sample_violation_and_trail_deletes(world: dict[str, Any]) -> None:
    boss = User.objects.create_superuser("boss", password=PASSWORD)
    client = Client()
    client.force_login(boss)
    sample, violation = world["samples"][0], world["violation"]
    assert client.get(f"/admin/spc/sample/{sample.pk}/delete/").status_code == 403
    assert client.get(f"/admin/alerts/violation/{violation.pk}/delete/").status_code == 403
    entry = AuditEntry.objects.first()
    assert entry is not None
    assert client.get(f"/admin/audit/auditentry/{entry.pk}/delete/").status_code == 403
    # deleting the characteristic would delete its samples: the admin refuses
    page = client.post(f"/admin/spc/characteristic/{world['char'].pk}/delete/", {"post": "yes"})
    assert Characteristic.objects.filter(pk=world["char"].pk).exists()
    assert page.status_code in (200, 403)


def test_admin_user_group_and_grant_changes_are_audited(world: dict[str, Any]) -> None:
    boss = User.objects.create_superuser("boss", password=PASSWORD)
    client = Client()
    client.force_login(boss)
    walker = world["user"]
    operators = Group.objects.get(name="Operator")
    before = AuditEntry.objects.count()
    data = {
        "username": "walker", "first_name": "Wal", "last_name": "Ker", "email": "w@example.com",
        "is_active": "on", "is_staff": "on", "groups": [operators.pk],
        "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
    }  # fmt: skip
    response = client.post(f"/admin/auth/user/{walker.pk}/change/", data)
    assert response.status_code == 302, response.content[:2000]
    rows = AuditEntry.objects.filter(pk__gt=0).order_by("id")[before:]
    user_rows = [r for r in rows if r.object_type == "auth.User"]
    assert any(r.new.get("first_name") == "Wal" for r in user_rows)
    assert any("groups" in (r.new or {}) for r in user_rows)
    assert all(r.user == boss for r in user_rows)
    # a password change shows that it changed, never the hash
    client.post(
        f"/admin/auth/user/{walker.pk}/password/",
        {
            "password1": "N3w-pass-walker!",
            "password2": "N3w-pass-walker!",
            "usable_password": "true",
        },
    )
    changed = AuditEntry.objects.filter(object_type="auth.User", new__password="(changed)")
    assert changed.exists()
    assert "pbkdf2" not in str(list(AuditEntry.objects.values_list("old", "new")))
    # a site grant added and revoked in the admin
    client.post(
        "/admin/hierarchy/sitegrant/add/", {"user": walker.pk, "node": world["plant"]["site"].pk}
    )
    grant = SiteGrant.objects.get(user=walker, node=world["plant"]["site"])
    client.post(f"/admin/hierarchy/sitegrant/{grant.pk}/delete/", {"post": "yes"})
    grants = AuditEntry.objects.filter(object_type="hierarchy.SiteGrant").values_list(
        "action", flat=True
    )
    assert {"CREATE", "DELETE"} <= set(grants)


def test_drf_token_issue_and_delete_in_the_admin_are_audited_without_the_key(
    world: dict[str, Any],
) -> None:
    from rest_framework.authtoken.models import Token

    boss = User.objects.create_superuser("boss", password=PASSWORD)
    client = Client()
    client.force_login(boss)
    walker = world["user"]
    assert client.post("/admin/authtoken/tokenproxy/add/", {"user": walker.pk}).status_code == 302
    key = Token.objects.get(user=walker).key
    client.post(f"/admin/authtoken/tokenproxy/{walker.pk}/delete/", {"post": "yes"})
    assert not Token.objects.filter(user=walker).exists()
    rows = AuditEntry.objects.filter(object_type="authtoken.Token")
    assert sorted(rows.values_list("action", flat=True)) == ["CREATE", "DELETE"]
    assert all(r.user == boss and r.object_id == str(walker.pk) for r in rows)
    assert key not in str(list(AuditEntry.objects.values_list("object_id", "old", "new")))
