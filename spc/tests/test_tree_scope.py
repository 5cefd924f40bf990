"""Scope everywhere: the tree, breadcrumbs, menus, the violation filter, empty states and
the tree's live socket follow the user's grants and role."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.test import Client

from alerts.tests.factories import ViolationFactory
from hierarchy.models import SiteGrant
from hierarchy.roles import ENGINEER, OPERATOR, QA_MANAGER, assign_role
from hierarchy.tests.factories import NodeFactory
from openspc.asgi import application
from spc.pipeline.processing import SubgroupInput, process
from spc.tests.factories import CharacteristicFactory, SampleFactory

PASSWORD = "scope-pass-123"


@pytest.fixture
def two_sites(db: None) -> dict[str, Any]:
    enterprise = NodeFactory(name="Acme")
    out: dict[str, Any] = {"enterprise": enterprise}
    for key in ("north", "south"):
        site = NodeFactory(parent=enterprise, name=f"Site {key}")
        line = NodeFactory(parent=NodeFactory(parent=site, name=f"Area {key}"), name="Line 1")
        char = CharacteristicFactory(
            hierarchy=line, name=f"Bore {key}", center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0
        )
        ViolationFactory(sample=SampleFactory(characteristic=char))
        out[key] = {"site": site, "line": line, "char": char}
    return out


def user_with(name: str, role: str | None, *nodes: Any, staff: bool = False) -> User:
    user = User.objects.create_user(name, password=PASSWORD, is_staff=staff)
    if role is not None:
        assign_role(user, role)
    for node in nodes:
        SiteGrant.objects.create(user=user, node=node)
    return user


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def hrefs(html: str) -> set[str]:
    return {h for h in re.findall(r'href="(/[^"]*)"', html) if not h.startswith("/static/")}


def test_an_operator_granted_one_site_sees_that_site_as_the_root(two_sites: dict) -> None:
    north = two_sites["north"]
    client = client_of(user_with("n-op", OPERATOR, north["site"]))
    html = client.get("/").content.decode()
    nodes = re.findall(r'<li class="tree-node" data-node="(\d+)"', html)
    assert nodes[0] == str(north["site"].pk)
    assert str(two_sites["enterprise"].pk) not in nodes
    assert str(two_sites["south"]["site"].pk) not in nodes
    assert f'data-live-params="tree={north["site"].pk}"' in html


@pytest.mark.parametrize("page", ["/", "site", "line", "char", "/violations/"])
def test_no_link_on_a_one_site_operators_pages_leads_to_a_403_or_404(
    two_sites: dict, page: str
) -> None:
    north = two_sites["north"]
    client = client_of(user_with("n-op", OPERATOR, north["site"]))
    url = {
        "site": f"/nodes/{north['site'].pk}/",
        "line": f"/nodes/{north['line'].pk}/",
        "char": f"/chars/{north['char'].pk}/",
    }.get(page, page)
    html = client.get(url).content.decode()
    assert f'href="/nodes/{two_sites["enterprise"].pk}/"' not in html
    assert "Acme" in html or page in ("/", "/violations/")  # named, not linked
    for href in hrefs(html):
        status = client.get(href).status_code
        assert status in (200, 302), (url, href, status)


def test_the_enterprise_crumb_is_text_for_a_site_operator_and_a_link_for_the_plant(
    two_sites: dict, operator: User
) -> None:
    north = two_sites["north"]
    url = f"/nodes/{north['line'].pk}/"
    enterprise = f'href="/nodes/{two_sites["enterprise"].pk}/"'
    scoped = client_of(user_with("n-op", OPERATOR, north["site"])).get(url).content.decode()
    assert enterprise not in scoped
    assert "<span>Acme</span>" in scoped
    assert f'href="/nodes/{north["site"].pk}/"' in scoped
    assert enterprise in client_of(operator).get(url).content.decode()


def test_an_operator_without_a_grant_is_told_whom_to_ask(two_sites: dict) -> None:
    User.objects.create_superuser("plant-admin", password=PASSWORD)
    html = client_of(user_with("lost", OPERATOR)).get("/").content.decode()
    assert "No part of the plant is assigned to you yet" in html
    assert "plant-admin" in html
    assert "No plant configured" not in html
    assert "/admin/" not in html


def test_an_empty_plant_sends_only_staff_engineers_to_the_admin(db: None) -> None:
    operator = client_of(user_with("op", OPERATOR, None)).get("/").content.decode()
    assert "No plant configured yet" in operator
    assert 'href="/admin/"' not in operator
    engineer = user_with("eng", ENGINEER, None, staff=True)
    assert 'href="/admin/"' in client_of(engineer).get("/").content.decode()


@pytest.mark.parametrize(
    ("role", "reports", "api"),
    [(OPERATOR, False, False), (ENGINEER, False, True), (QA_MANAGER, True, True)],
)
def test_the_menu_offers_reports_and_the_api_only_to_the_roles_they_serve(
    db: None, role: str, reports: bool, api: bool
) -> None:
    client = client_of(user_with("someone", role, None, staff=role != OPERATOR))
    html = client.get("/").content.decode()
    assert ('href="/reports/"' in html) is reports
    assert ('href="/api/docs/"' in html) is api
    for href in hrefs(html):
        assert client.get(href).status_code in (200, 302), href


def test_a_user_without_a_role_gets_no_menu_links_to_pages_that_refuse_him(db: None) -> None:
    client = client_of(user_with("nobody", None, None))
    response = client.get("/violations/")
    assert response.status_code == 403
    html = response.content.decode()
    assert 'href="/violations/"' not in html
    assert 'href="/account/tokens/"' not in html


def test_the_violation_filter_lists_only_the_users_characteristics(two_sites: dict) -> None:
    north, south = two_sites["north"], two_sites["south"]
    client = client_of(user_with("n-op", OPERATOR, north["site"]))
    html = client.get("/violations/").content.decode()
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', html)
    chars = {int(v): label for v, label in options if "·" in label}
    assert chars == {north["char"].pk: "Bore north · Line 1"}
    assert "Bore south" not in html
    refused = client.get(f"/violations/?characteristic={south['char'].pk}&status=all")
    assert refused.status_code == 200
    assert "Bore south" not in refused.content.decode()


def _socket(query: str, client: Client) -> WebsocketCommunicator:
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver"), (b"cookie", cookie)]
    return WebsocketCommunicator(application, f"/ws/live/?{query}", headers=headers)


@pytest.mark.django_db(transaction=True)
def test_a_tree_socket_gets_a_pulse_for_events_below_its_roots_and_no_toast() -> None:
    enterprise = NodeFactory(name="Acme")
    north, south = NodeFactory(parent=enterprise), NodeFactory(parent=enterprise)
    char = CharacteristicFactory(
        hierarchy=NodeFactory(parent=NodeFactory(parent=north)),
        center_line=10.0,
        ucl=13.0,
        lcl=7.0,
        sigma=1.0,
    )
    client = client_of(user_with("n-op", OPERATOR, north))

    async def body() -> None:
        refused = _socket(f"tree={south.pk}", client)
        assert not (await refused.connect(timeout=5))[0]
        ws = _socket(f"tree={north.pk}", client)
        assert (await ws.connect(timeout=5))[0]
        await database_sync_to_async(process)(
            SubgroupInput(characteristic_id=char.pk, measurements=(20.0,))
        )
        frame = await ws.receive_from(timeout=5)
        assert frame == '<span id="tree-pulse" hidden hx-swap-oob="true"></span>'
        await ws.disconnect()

    channel_layers.backends.clear()
    asyncio.run(body())
