"""Who may do what: each role against each API endpoint, admin page and report page, and
each scoped list returning only the user's sites.

Personas: anonymous, a signed-in user without a role, Operator, Engineer, QA Manager and
Admin (superuser); the roled ones are granted the whole plant except in the scoping tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from alerts.tests.factories import ReasonCodeFactory, ViolationFactory
from conftest import persona
from hierarchy.models import Node, SiteGrant
from hierarchy.roles import ENGINEER, OPERATOR, QA_MANAGER
from hierarchy.tests.factories import NodeFactory
from spc.models import Characteristic
from spc.tests.factories import CharacteristicFactory, SampleFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "no_role", "operator", "engineer", "qa_manager", "admin"]
PASSWORD = "matrix-pass-123"


def make_user(name: str) -> User | None:
    """The persona's user (None for anonymous)."""
    if name == "anonymous":
        return None
    if name == "admin":
        user = User.objects.create_superuser("admin-m", password=PASSWORD)
        SiteGrant.objects.create(user=user, node=None)
        return user
    role = {"operator": OPERATOR, "engineer": ENGINEER, "qa_manager": QA_MANAGER}.get(name)
    staff = name in {"engineer", "qa_manager"}
    return persona(f"{name}-m", PASSWORD, role, is_staff=staff)


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    """Two sites with a characteristic, a sample and a violation each."""
    enterprise = NodeFactory.create(name="Acme")
    sites = {}
    for key in ("north", "south"):
        site = NodeFactory.create(parent=enterprise, name=f"Site {key}")
        area = NodeFactory.create(parent=site, name=f"Area {key}")
        line = NodeFactory.create(parent=area, name=f"Line {key}")
        char = CharacteristicFactory.create(hierarchy=line, name=f"Bore {key}")
        sample = SampleFactory.create(characteristic=char)
        violation = ViolationFactory.create(sample=sample)
        sites[key] = {
            "site": site,
            "line": line,
            "char": char,
            "sample": sample,
            "violation": violation,
        }
    ReasonCodeFactory.create(code="tool-wear")
    return {"enterprise": enterprise, **sites}


def api_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --- API ---------------------------------------------------------------------------------

Call = Callable[[APIClient, dict[str, Any]], Any]

API_CALLS: dict[str, Call] = {
    "list hierarchy": lambda c, w: c.get("/api/v1/hierarchy/"),
    "create node": lambda c, w: c.post(
        "/api/v1/hierarchy/",
        {"name": "Area X", "code": "area-x", "level": "AREA", "parent": w["north"]["site"].pk},
        format="json",
    ),
    "list characteristics": lambda c, w: c.get("/api/v1/characteristics/"),
    "rename characteristic": lambda c, w: c.patch(
        f"/api/v1/characteristics/{w['north']['char'].pk}/", {"name": "Bore 2"}, format="json"
    ),
    "post sample": lambda c, w: c.post(
        "/api/v1/samples/",
        {"characteristic": w["north"]["char"].pk, "measurements": [10.0]},
        format="json",
    ),
    "exclude sample": lambda c, w: c.patch(
        f"/api/v1/samples/{w['north']['sample'].pk}/",
        {"is_excluded": True, "exclusion_reason": "gauge", "signature_password": PASSWORD},
        format="json",
    ),
    "list violations": lambda c, w: c.get("/api/v1/violations/"),
    "acknowledge": lambda c, w: c.post(
        f"/api/v1/violations/{w['north']['violation'].pk}/acknowledge/",
        {"reason_code": "tool-wear"},
        format="json",
    ),
    "list reason codes": lambda c, w: c.get("/api/v1/reason-codes/"),
    "create reason code": lambda c, w: c.post(
        "/api/v1/reason-codes/", {"code": "coolant", "description": "Coolant"}, format="json"
    ),
    "capability report": lambda c, w: c.get("/api/v1/reports/capability/"),
    "violations report": lambda c, w: c.get("/api/v1/reports/violations/"),
    "export csv": lambda c, w: c.get("/api/v1/reports/export/", {"kind": "measurements"}),
}

# Expected status per persona, in the order of PERSONAS.
R = (401, 403, 200, 200, 200, 200)  # any role reads
E_CREATE = (401, 403, 403, 201, 201, 201)  # engineers configure
E_CHANGE = (401, 403, 403, 200, 200, 200)
Q = (401, 403, 403, 403, 200, 200)  # QA managers report
API_EXPECTED: dict[str, tuple[int, ...]] = {
    "list hierarchy": R,
    "create node": E_CREATE,
    "list characteristics": R,
    "rename characteristic": E_CHANGE,
    "post sample": (401, 403, 201, 201, 201, 201),
    "exclude sample": E_CHANGE,
    "list violations": R,
    "acknowledge": R,
    "list reason codes": R,
    "create reason code": E_CREATE,
    "capability report": Q,
    "violations report": Q,
    "export csv": Q,
}


@pytest.mark.parametrize("call", list(API_CALLS))
@pytest.mark.parametrize("who", PERSONAS)
def test_api_matrix(world: dict[str, Any], who: str, call: str) -> None:
    client = api_for(make_user(who))
    if who == "anonymous":
        client = APIClient()
    response = API_CALLS[call](client, world)
    expected = API_EXPECTED[call][PERSONAS.index(who)]
    assert response.status_code == expected, (who, call, response.content[:300])


def test_api_token_acts_with_its_users_role(world: dict[str, Any]) -> None:
    from hierarchy.models import ApiToken

    user = make_user("operator")
    _, key = ApiToken.issue(user, "MES")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/characteristics/").status_code == 200
    assert API_CALLS["create reason code"](client, world).status_code == 403


# --- admin -------------------------------------------------------------------------------

ADMIN_PAGES = {
    "characteristics": "/admin/spc/characteristic/",
    "nodes": "/admin/hierarchy/node/",
    "samples": "/admin/spc/sample/",
    "violations": "/admin/alerts/violation/",
    "reason codes": "/admin/alerts/reasoncode/",
    "audit trail": "/admin/audit/auditentry/",
    "site grants": "/admin/hierarchy/sitegrant/",
    "users": "/admin/auth/user/",
    "dead letters": "/admin/ingest/deadletter/",
    "ingest counters": "/admin/ingest/ingestcounter/",
}
LOGIN = 302  # the admin sends non-staff to its login page
STAFF_VIEW = (LOGIN, LOGIN, LOGIN, 200, 200, 200)
ADMIN_EXPECTED = {
    "characteristics": STAFF_VIEW,
    "nodes": STAFF_VIEW,
    "samples": STAFF_VIEW,
    "violations": STAFF_VIEW,
    "reason codes": STAFF_VIEW,
    "audit trail": (LOGIN, LOGIN, LOGIN, 403, 200, 200),
    "site grants": (LOGIN, LOGIN, LOGIN, 403, 403, 200),
    "users": (LOGIN, LOGIN, LOGIN, 403, 403, 200),
    "dead letters": STAFF_VIEW,
    "ingest counters": STAFF_VIEW,
}


@pytest.mark.parametrize("page", list(ADMIN_PAGES))
@pytest.mark.parametrize("who", PERSONAS)
def test_admin_matrix(world: dict[str, Any], who: str, page: str) -> None:
    response = client_for(make_user(who)).get(ADMIN_PAGES[page])
    assert response.status_code == ADMIN_EXPECTED[page][PERSONAS.index(who)], (who, page)


def test_operators_cannot_change_through_the_admin_even_when_staff(world: dict[str, Any]) -> None:
    user = persona("staff-op", PASSWORD, OPERATOR, is_staff=True)
    client = client_for(user)
    char = world["north"]["char"]
    assert client.get(f"/admin/spc/characteristic/{char.pk}/change/").status_code == 200
    response = client.post(f"/admin/spc/characteristic/{char.pk}/change/", {"name": "x"})
    assert response.status_code == 403
    assert client.get("/admin/spc/characteristic/add/").status_code == 403


# --- report pages ------------------------------------------------------------------------

REPORT_PAGES = ["/reports/", "/reports/violations/"]


@pytest.mark.parametrize("url", REPORT_PAGES)
@pytest.mark.parametrize("who", PERSONAS)
def test_report_pages_are_for_qa_managers(world: dict[str, Any], who: str, url: str) -> None:
    response = client_for(make_user(who)).get(url)
    expected = {"anonymous": 302, "qa_manager": 200, "admin": 200}.get(who, 403)
    assert response.status_code == expected, who


# --- audit trail pages ------------------------------------------------------------------

AUDIT_PAGES = ["/audit/", "/audit/export.csv"]


@pytest.mark.parametrize("url", AUDIT_PAGES)
@pytest.mark.parametrize("who", PERSONAS)
def test_audit_pages_are_for_qa_managers(world: dict[str, Any], who: str, url: str) -> None:
    response = client_for(make_user(who)).get(url)
    expected = {"anonymous": 302, "qa_manager": 200, "admin": 200}.get(who, 403)
    assert response.status_code == expected, who


# --- scoping -----------------------------------------------------------------------------


@pytest.fixture
def north_engineer(world: dict[str, Any]) -> User:
    """An engineer (staff) granted only the north site."""
    user = User.objects.create_user("north-eng", password=PASSWORD, is_staff=True)
    from hierarchy.roles import assign_role

    assign_role(user, QA_MANAGER)
    SiteGrant.objects.create(user=user, node=world["north"]["site"])
    return user


def ids(body: dict[str, Any]) -> set[int]:
    return {row["id"] for row in body["results"]}


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("/api/v1/characteristics/", "char"),
        ("/api/v1/samples/", "sample"),
        ("/api/v1/violations/", "violation"),
    ],
)
def test_scoped_api_lists_hold_only_the_users_sites(
    world: dict[str, Any], north_engineer: User, url: str, key: str
) -> None:
    body = api_for(north_engineer).get(url).json()
    assert ids(body) == {world["north"][key].pk}
    other = world["south"][key].pk
    assert api_for(north_engineer).get(f"{url}{other}/").status_code == 404


def test_scoped_hierarchy_holds_the_granted_subtree(
    world: dict[str, Any], north_engineer: User
) -> None:
    body = api_for(north_engineer).get("/api/v1/hierarchy/", {"page_size": 100}).json()
    north = world["north"]["site"]
    assert ids(body) == set(Node.objects.subtree(north).values_list("pk", flat=True))


def test_scoped_writes_outside_the_sites_are_refused(
    world: dict[str, Any], north_engineer: User
) -> None:
    client = api_for(north_engineer)
    south = world["south"]
    sample = client.post(
        "/api/v1/samples/", {"characteristic": south["char"].pk, "measurements": [1]}, format="json"
    )
    assert sample.status_code == 400
    assert "characteristic" in sample.json()
    ack = client.post(
        "/api/v1/violations/batch-acknowledge/",
        {"ids": [south["violation"].pk], "reason_code": "tool-wear"},
        format="json",
    )
    assert ack.status_code == 400
    node = client.post(
        "/api/v1/hierarchy/",
        {"name": "Area X", "code": "area-x", "level": "AREA", "parent": south["site"].pk},
        format="json",
    )
    assert node.status_code in (400, 403)
    assert not Node.objects.filter(code="area-x").exists()
    char = client.patch(
        f"/api/v1/characteristics/{south['char'].pk}/", {"name": "mine"}, format="json"
    )
    assert char.status_code == 404
    assert Characteristic.objects.get(pk=south["char"].pk).name == "Bore south"


def test_scoped_reports_hold_only_the_users_sites(
    world: dict[str, Any], north_engineer: User
) -> None:
    client = api_for(north_engineer)
    export = client.get("/api/v1/reports/export/", {"kind": "subgroups"})
    assert export.status_code == 200
    text = b"".join(export.streaming_content).decode()
    assert "Bore north" in text
    assert "Bore south" not in text
    other = client.get("/api/v1/reports/capability/", {"node": world["south"]["site"].pk})
    assert other.status_code == 400


def test_scoped_admin_changelist(world: dict[str, Any], north_engineer: User) -> None:
    page = client_for(north_engineer).get("/admin/spc/characteristic/")
    assert page.status_code == 200
    assert "Bore north" in page.text
    assert "Bore south" not in page.text
    south = world["south"]["char"].pk
    other = client_for(north_engineer).get(f"/admin/spc/characteristic/{south}/change/")
    assert other.status_code == 302  # "does not exist": back to the changelist


def test_scoped_ingest_admin(world: dict[str, Any], north_engineer: User) -> None:
    from ingest.models import DeadLetter, IngestCounter

    DeadLetter.objects.create(topic="plant/unmapped-topic", payload=b"{}", reason="unmapped")
    IngestCounter.increment("counter-of-messages")
    client = client_for(north_engineer)
    whole_plant = client_for(make_user("qa_manager"))
    for url, text in [
        ("/admin/ingest/deadletter/", "unmapped-topic"),
        ("/admin/ingest/ingestcounter/", "counter-of-messages"),
    ]:
        page = client.get(url)
        assert page.status_code == 200
        assert text not in page.text  # no characteristic: whole-plant users only
        assert text in whole_plant.get(url).text
    letter = DeadLetter.objects.get().pk
    assert client.get(f"/admin/ingest/deadletter/{letter}/change/").status_code == 302
