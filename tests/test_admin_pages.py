"""Every admin changelist, add form and change form renders for a logged-in engineer."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from alerts.tests.factories import ReasonCodeFactory, ViolationFactory
from hierarchy.models import ApiToken
from ingest.models import DeadLetter, Import, IngestCounter
from msa.models import MsaThresholds
from msa.tests.factories import GaugeStudyFactory, fill
from multivariate.tests.factories import group_of
from spc.tests.factories import LimitSetFactory, MeasurementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def populated(engineer: User) -> None:
    """At least one row of every registered model."""
    MeasurementFactory()
    LimitSetFactory()
    ViolationFactory()
    ReasonCodeFactory()
    DeadLetter.objects.create(topic="plant/x", payload=b"\xffnot json", reason="invalid_json")
    IngestCounter.increment("dead_letter.invalid_json")
    Token.objects.create(user=engineer)
    ApiToken.issue(engineer, "CMM line 3")
    study = GaugeStudyFactory()
    fill(study, [(1, "A", 1.0)])
    MsaThresholds.objects.create(site=study.gauge.site)
    Import.objects.create(filename="history.csv", file_path="/tmp/x.csv", file_sha256="0" * 64)
    _notifications_and_opcua()
    group_of(["Temp 1", "Temp 2"])
    _corrective_action(engineer)


def _corrective_action(owner: User) -> None:
    """A corrective action and a requirement (issue 23)."""
    from django.utils import timezone

    from alerts.models import CorrectiveAction, CorrectiveActionRequirement

    violation = ViolationFactory()
    CorrectiveAction.objects.create(
        violation=violation,
        characteristic=violation.characteristic,
        episode=violation.pk,
        title="Replace the insert",
        owner=owner,
        due_date=timezone.localdate(),
    )
    CorrectiveActionRequirement.objects.create(severity="CRITICAL")


def _notifications_and_opcua() -> None:
    """A notification rule with its endpoint and a delivery; an OPC UA endpoint and node."""
    from alerts.models import Delivery, NotificationRule, WebhookEndpoint
    from ingest.models import OpcUaEndpoint, OpcUaNode, OpcUaStatus

    violation = ViolationFactory()
    hook = WebhookEndpoint.objects.create(name="MES", url="https://mes.example.com/h", secret="s")
    rule = NotificationRule.objects.create(
        name="QA", node=violation.characteristic.hierarchy, webhook=hook
    )
    Delivery.objects.create(rule=rule, violation=violation, channel="WEBHOOK", target=hook.url)
    endpoint = OpcUaEndpoint.objects.create(name="press", url="opc.tcp://127.0.0.1:4840/")
    OpcUaNode.objects.create(
        endpoint=endpoint, node_id="ns=2;s=Force", characteristic=violation.characteristic
    )
    OpcUaStatus.objects.create(endpoint=endpoint, connected=True, last_value="1.0")


def _models() -> list[type[Model]]:
    return [m for m in admin.site._registry if m._meta.app_label not in {"auth", "axes"}]


@pytest.mark.usefixtures("populated")
@pytest.mark.parametrize("model", _models(), ids=lambda m: m._meta.label)
def test_changelist_and_change_form_render(client: Client, engineer: User, model: type) -> None:
    client.force_login(engineer)
    opts = model._meta
    changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    obj = model._default_manager.first()
    assert obj is not None
    change = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    assert change.status_code == 200


def test_add_forms_render_where_adding_is_allowed(client: Client, engineer: User) -> None:
    client.force_login(engineer)
    for name in ["hierarchy_node", "spc_characteristic", "alerts_reasoncode"]:
        assert client.get(reverse(f"admin:{name}_add")).status_code == 200


def test_the_rule_grid_writes_the_western_electric_preset(client: Client, engineer: User) -> None:
    from spc.tests.factories import CharacteristicFactory

    client.force_login(engineer)
    char = CharacteristicFactory()
    url = reverse("admin:spc_characteristic_change", args=[char.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: v for k, v in data.items() if v is not None and not isinstance(v, list)}
    data.update(
        {
            "hierarchy": char.hierarchy_id,
            "rule_preset": "WESTERN_ELECTRIC",
            "change_reason": "Western Electric as agreed with QA",
            "signature_password": "engineer-pass-1",
            "limit_history-TOTAL_FORMS": 0,
            "limit_history-INITIAL_FORMS": 0,
        }
    )
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    char.refresh_from_db()
    assert set(char.rules) == {"1", "2", "5", "6"}
    assert char.rules["2"]["length"] == 8


def test_rule_grid_refuses_an_invalid_run_length(client: Client, engineer: User) -> None:
    """A length the rule engine would refuse is a form error, not a failure at ingest."""
    from spc.tests.factories import CharacteristicFactory

    char = CharacteristicFactory()
    client.force_login(engineer)
    url = reverse("admin:spc_characteristic_change", args=[char.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not hasattr(v, "pk")}
    data.update(
        {
            "hierarchy": char.hierarchy_id,
            "name": char.name,
            # rule 1 has no run length any more (issue 27): rule 6 counts 4 of its length
            "rule_6_enabled": "on",
            "rule_6_severity": "WARNING",
            "rule_6_length": 3,
            "limit_history-TOTAL_FORMS": 0,
            "limit_history-INITIAL_FORMS": 0,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    # the rule engine's own check (check_spec), on the parameter it names
    errors = response.context["adminform"].form.errors
    assert any("Rule 6" in e for e in errors.get("rule_6_length", [])), errors
