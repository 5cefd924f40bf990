"""The audit-trail page /audit/ and its CSV export: QA managers and admins only, filtered,
paginated, newest first, scoped to the user's sites."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from audit.trail import record
from conftest import persona
from hierarchy.models import SiteGrant
from hierarchy.roles import ENGINEER, OPERATOR, QA_MANAGER
from hierarchy.tests.factories import NodeFactory

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def entry(repr_: str, *, path: str = "", **kwargs: Any) -> AuditEntry:
    """An audit row about an object named ``repr_``."""
    kwargs.setdefault("object_type", "spc.Characteristic")
    return record(kwargs.pop("action", "CHANGE"), object_repr=repr_, path=path, **kwargs)


def export_rows(client: Client, query: dict[str, str] | None = None) -> list[list[str]]:
    response = client.get("/audit/export.csv", query or {})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("role", "expected"),
    [(None, 403), (OPERATOR, 403), (ENGINEER, 403), (QA_MANAGER, 200)],
)
def test_audit_page_and_export_are_for_qa_managers(role: str | None, expected: int) -> None:
    client = client_for(persona("someone", "pw-someone-1", role))
    assert client.get("/audit/").status_code == expected
    assert client.get("/audit/export.csv").status_code == expected


def test_anonymous_is_sent_to_login() -> None:
    assert Client().get("/audit/").status_code == 302
    assert Client().get("/audit/export.csv").status_code == 302


def test_nav_links_the_audit_page_only_for_qa_managers(qa_manager: User, operator: User) -> None:
    link = '<a href="/audit/">Audit trail</a>'
    assert link in client_for(qa_manager).get("/account/tokens/").text
    assert link not in client_for(operator).get("/account/tokens/").text


def test_entries_are_newest_first_and_escaped(qa_manager: User) -> None:
    entry("older <b>one</b>")
    entry("newer <script>x</script>")
    page = client_for(qa_manager).get("/audit/").text
    assert page.index("newer") < page.index("older")
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page


def test_filters_narrow_the_list(qa_manager: User, operator: User) -> None:
    entry("by operator", user=operator, action="ACKNOWLEDGE", object_type="alerts.Violation")
    entry("limit change", user=qa_manager, action="LIMITS", reason="new tooling")
    AuditEntry.objects.create(  # written as dated: the trail refuses updates (issue 23)
        user=qa_manager,
        username=qa_manager.username,
        action="CHANGE",
        object_type="spc.Characteristic",
        object_repr="last month",
        time=timezone.now() - timedelta(days=30),
    )
    client = client_for(qa_manager)

    def shown(query: dict[str, str]) -> set[str]:
        rows = export_rows(client, query)[1:]  # users and role groups are in the trail too
        return {row[5] for row in rows if row[3] in ("spc.Characteristic", "alerts.Violation")}

    assert shown({"user": "olga"}) == {"by operator"}
    assert shown({"action": "LIMITS"}) == {"limit change"}
    assert shown({"model": "alerts.Violation"}) == {"by operator"}
    assert shown({"q": "TOOLING"}) == {"limit change"}
    today = timezone.localdate().isoformat()
    assert shown({"start": today, "end": today}) == {"by operator", "limit change"}
    month_ago = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert shown({"end": month_ago}) == {"last month"}
    page = client.get("/audit/", {"action": "LIMITS"}).text
    assert "limit change" in page
    assert "by operator" not in page


def test_a_backwards_range_shows_nothing_and_says_why(qa_manager: User) -> None:
    entry("anything")
    page = client_for(qa_manager).get("/audit/", {"start": "2026-02-02", "end": "2026-02-01"})
    assert "The end is before the start." in page.text
    assert "anything" not in page.text


def test_the_list_is_paginated(qa_manager: User) -> None:
    for i in range(55):
        entry(f"row-{i:02d}")
    client = client_for(qa_manager)
    first = client.get("/audit/").text
    assert "row-54" in first
    assert "row-04" not in first
    assert "Page 1 of 2" in first
    second = client.get("/audit/", {"page": 2}).text
    assert "row-04" in second
    assert "row-54" not in second


def test_page_and_export_hold_only_the_users_sites() -> None:
    enterprise = NodeFactory(name="Acme")
    north = NodeFactory(parent=enterprise, name="North")
    south = NodeFactory(parent=enterprise, name="South")
    user = persona("nina", "pw-nina-123", None)
    from hierarchy.roles import assign_role

    assign_role(user, QA_MANAGER)
    SiteGrant.objects.create(user=user, node=north)
    entry("north char", path=north.path + "9/")
    entry("south char", path=south.path + "9/")
    entry("plant-wide reason code", object_type="alerts.ReasonCode")
    client = client_for(user)
    page = client.get("/audit/").text
    assert "north char" in page
    assert "plant-wide reason code" in page
    assert "south char" not in page
    names = {row[5] for row in export_rows(client)[1:]}  # the trail is append-only: the
    chosen = {"north char", "south char", "plant-wide reason code"}  # node rows stay
    assert names & chosen == {"north char", "plant-wide reason code"}


def test_export_neutralises_formulas_and_carries_old_and_new(qa_manager: User) -> None:
    entry("=HYPERLINK(1)", old={"ucl": 1.0}, new={"ucl": 2.0}, reason="@cmd")
    rows = export_rows(client_for(qa_manager))
    assert rows[0][:3] == ["time", "user", "action"]
    row = rows[1]
    assert row[5] == "'=HYPERLINK(1)"
    assert row[6] == "'@cmd"
    assert (row[8], row[9]) == ('{"ucl": 1.0}', '{"ucl": 2.0}')
    assert datetime.fromisoformat(row[0])


def test_the_old_admin_address_leads_to_the_audit_admin(qa_manager: User) -> None:
    response = client_for(qa_manager).get("/admin/alerts/auditentry/?action__exact=LIMITS")
    assert response.status_code == 302
    assert response["Location"] == "/admin/audit/auditentry/?action__exact=LIMITS"
    assert client_for(qa_manager).get(response["Location"]).status_code == 200
