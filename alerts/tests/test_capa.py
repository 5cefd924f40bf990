"""Corrective actions (issue 23): opened from a violation over HTTP and the API, moved on,
required before acknowledgement, listed with overdue ones marked, Pareto and CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from alerts.corrective_actions import CorrectiveAction, CorrectiveActionRequirement
from alerts.models import Violation
from alerts.services import acknowledge
from alerts.tests.factories import ReasonCodeFactory, ViolationFactory
from audit.models import AuditEntry
from spc.core.errors import InputError

pytestmark = pytest.mark.django_db
API = "/api/v1/corrective-actions/"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def tomorrow() -> str:
    return (timezone.localdate() + timedelta(days=1)).isoformat()


def test_an_operator_opens_an_action_from_a_violation_page(operator: User) -> None:
    violation = ViolationFactory()
    cause = ReasonCodeFactory(code="tool-wear", description="Tool wear")
    client = client_for(operator)
    form = client.get(f"/violations/{violation.pk}/action/")
    assert form.status_code == 200
    assert "Open a corrective action" in form.text
    response = client.post(
        f"/violations/{violation.pk}/action/",
        {
            "title": "Replace insert",
            "owner": operator.pk,
            "due_date": tomorrow(),
            "cause": cause.pk,
        },
    )
    assert response.status_code == 302, response.content
    action = CorrectiveAction.objects.get()
    assert (action.violation, action.episode, action.status) == (violation, violation.pk, "OPEN")
    assert action.created_by == operator
    entry = AuditEntry.objects.get(object_type="alerts.CorrectiveAction", action="CREATE")
    assert entry.user == operator
    assert entry.new["title"] == "Replace insert"
    assert entry.path == violation.characteristic.hierarchy.path


def test_a_due_date_in_the_past_is_a_form_error_and_a_400(operator: User) -> None:
    violation = ViolationFactory()
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    page = client_for(operator).post(
        f"/violations/{violation.pk}/action/",
        {"title": "Fix", "owner": operator.pk, "due_date": yesterday},
    )
    assert page.status_code == 400
    assert "The due date is in the past." in page.text
    api = api_for(operator).post(
        API,
        {"violation": violation.pk, "title": "Fix", "owner": "olga", "due_date": yesterday},
        format="json",
    )
    assert api.status_code == 400
    assert api.json() == {"due_date": ["The due date is in the past."]}
    assert not CorrectiveAction.objects.exists()


def test_api_opens_moves_on_and_never_deletes(operator: User, process_engineer: User) -> None:
    violation = ViolationFactory()
    created = api_for(operator).post(
        API,
        {
            "violation": violation.pk,
            "title": "Check fixture",
            "owner": "elena",
            "due_date": tomorrow(),
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["owner"], body["overdue"]) == ("OPEN", "elena", False)
    url = f"{API}{body['id']}/"
    # olga is not the owner and not an Engineer: she cannot move it on
    assert api_for(operator).patch(url, {"status": "IN_PROGRESS"}, format="json").status_code == 403
    engineer_api = api_for(process_engineer)
    assert engineer_api.patch(url, {"status": "VERIFIED"}, format="json").status_code == 200
    closed = engineer_api.patch(url, {"status": "CLOSED"}, format="json")
    assert closed.json()["closed_at"]
    again = engineer_api.patch(url, {"status": "OPEN"}, format="json")
    assert again.status_code == 400
    assert "closed" in again.json()["status"][0]
    assert engineer_api.delete(url).status_code == 405
    changes = AuditEntry.objects.filter(object_type="alerts.CorrectiveAction", action="CHANGE")
    assert [e.new["status"] for e in changes.order_by("id")] == ["VERIFIED", "CLOSED"]


def test_acknowledgement_waits_for_a_required_action(operator: User) -> None:
    code = ReasonCodeFactory(code="tool-wear")
    CorrectiveActionRequirement.objects.create(severity="CRITICAL")
    critical = ViolationFactory(severity="CRITICAL")
    warning = ViolationFactory(severity="WARNING", rule=2)
    acknowledge([warning.pk], user=operator, reason_code=code)  # not required: fine
    with pytest.raises(InputError) as refused:
        acknowledge([critical.pk], user=operator, reason_code=code)
    assert refused.value.field == "corrective_action"
    api = api_for(operator)
    response = api.post(
        f"/api/v1/violations/{critical.pk}/acknowledge/", {"reason_code": "tool-wear"}
    )
    assert response.status_code == 400
    assert "corrective action" in response.json()["corrective_action"][0]
    CorrectiveAction.objects.create(
        violation=critical,
        characteristic=critical.characteristic,
        episode=critical.pk,
        title="Fix",
        owner=operator,
        due_date=timezone.localdate(),
    )
    response = api.post(
        f"/api/v1/violations/{critical.pk}/acknowledge/", {"reason_code": "tool-wear"}
    )
    assert response.status_code == 200
    assert Violation.objects.get(pk=critical.pk).is_acknowledged


def test_list_marks_overdue_filters_pareto_and_csv(operator: User) -> None:
    wear = ReasonCodeFactory(code="tool-wear", description="Tool wear")
    setup = ReasonCodeFactory(code="setup", description="Set-up error")
    today = timezone.localdate()
    for i, (cause, due, status) in enumerate(
        [
            (wear, today - timedelta(days=3), "OPEN"),
            (wear, today + timedelta(days=3), "IN_PROGRESS"),
            (setup, today - timedelta(days=1), "CLOSED"),
        ]
    ):
        v = ViolationFactory()
        CorrectiveAction.objects.create(
            violation=v,
            characteristic=v.characteristic,
            episode=v.pk,
            title=f"=action {i}",
            owner=operator,
            due_date=due,
            status=status,
            cause=cause,
        )
    client = client_for(operator)
    page = client.get("/violations/actions/")
    assert page.status_code == 200
    assert page.text.count("data-overdue") == 1  # the closed one is not overdue
    assert "1 overdue" in page.text
    pareto = page.text[page.text.index('id="action-pareto"') :]
    assert pareto.index("Tool wear") < pareto.index("Set-up error")
    assert "66.7 %" in pareto
    assert "100.0 %" in pareto
    only = client.get("/violations/actions/", {"overdue": "on"}).text
    assert only.count('data-action-id="') == 1
    assert (
        client.get("/violations/actions/", {"status": "CLOSED"}).text.count('data-action-id="') == 1
    )
    export = client.get("/violations/actions/export.csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][:5] == ["id", "title", "status", "owner", "due_date"]
    assert len(rows) == 4
    assert all(row[1].startswith("'=") for row in rows[1:])  # formulas defused
    assert sorted(row[5] for row in rows[1:]) == ["no", "no", "yes"]
    api = api_for(operator).get(API, {"overdue": "true"}).json()
    assert api["count"] == 1


def test_admin_has_no_add_or_delete_and_checks_the_due_date(engineer: User, operator: User) -> None:
    v = ViolationFactory()
    action = CorrectiveAction.objects.create(
        violation=v,
        characteristic=v.characteristic,
        episode=v.pk,
        title="Fix",
        owner=operator,
        due_date=timezone.localdate(),
    )
    client = client_for(engineer)
    url = f"/admin/alerts/correctiveaction/{action.pk}/change/"
    assert client.get(url).status_code == 200
    assert client.get("/admin/alerts/correctiveaction/add/").status_code == 403
    assert client.get(f"/admin/alerts/correctiveaction/{action.pk}/delete/").status_code == 403
    past = (timezone.localdate() - timedelta(days=2)).isoformat()
    data = {"title": "Fix", "owner": operator.pk, "due_date": past, "status": "OPEN"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "The due date is in the past." in response.text
    data["due_date"] = tomorrow()
    data["status"] = "IN_PROGRESS"
    assert client.post(url, data).status_code == 302
    entry = AuditEntry.objects.get(object_type="alerts.CorrectiveAction", action="CHANGE")
    assert entry.user == engineer
    assert entry.old["status"] == "OPEN"
    assert entry.new["status"] == "IN_PROGRESS"
