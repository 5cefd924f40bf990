"""UI access: pages and the live socket by role and site; user-supplied text is escaped."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.test import Client

from alerts.tests.factories import ReasonCodeFactory, ViolationFactory
from conftest import persona
from hierarchy.models import SiteGrant
from hierarchy.roles import OPERATOR
from hierarchy.tests.factories import NodeFactory
from openspc.asgi import application
from spc.tests.factories import CharacteristicFactory, SampleFactory

EVIL = '<script>alert("x")</script>'


@pytest.fixture
def two_lines(db: None) -> dict[str, Any]:
    enterprise = NodeFactory.create()
    out: dict[str, Any] = {}
    for key in ("north", "south"):
        site = NodeFactory.create(parent=enterprise, name=f"Site {key}")
        line = NodeFactory.create(parent=NodeFactory.create(parent=site))
        out[key] = {
            "site": site,
            "line": line,
            "char": CharacteristicFactory.create(hierarchy=line),
        }
    return out


@pytest.mark.django_db
def test_pages_need_a_role_and_the_site(two_lines: dict[str, Any]) -> None:
    no_role = Client()
    no_role.force_login(User.objects.create_user("nobody", password="pw-123456789"))
    assert no_role.get("/").status_code == 403
    north = persona("north-op", "pw-123456789", None)
    from hierarchy.roles import assign_role

    assign_role(north, OPERATOR)
    SiteGrant.objects.create(user=north, node=two_lines["north"]["site"])
    client = Client()
    client.force_login(north)
    assert client.get("/").status_code == 200
    mine, theirs = two_lines["north"]["char"].pk, two_lines["south"]["char"].pk
    assert client.get(f"/chars/{mine}/").status_code == 200
    assert client.get(f"/chars/{theirs}/").status_code == 404
    assert client.get(f"/chars/{theirs}/entry/").status_code == 404
    assert client.get(f"/nodes/{two_lines['south']['site'].pk}/").status_code == 404
    assert Client().get("/").status_code == 302  # anonymous: to the login page


@pytest.mark.django_db
def test_user_supplied_names_are_escaped_everywhere(operator: User) -> None:
    char = CharacteristicFactory.create(name=EVIL)
    sample = SampleFactory.create(characteristic=char)
    reason = ReasonCodeFactory.create(code="evil", description=EVIL)
    ViolationFactory.create(sample=sample, comment=EVIL)
    ViolationFactory.create(sample=sample, rule=2, reason_code=reason, comment=EVIL)
    client = Client()
    client.force_login(operator)
    pages = [
        f"/chars/{char.pk}/",
        f"/nodes/{char.hierarchy_id}/",
        "/violations/?status=all",
        f"/samples/{sample.pk}/",
        "/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert EVIL not in response.content.decode(), url


def _connect(query: str, cookie: bytes) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver"), (b"cookie", cookie)]
    return WebsocketCommunicator(application, f"/ws/live/?{query}", headers=headers)


@pytest.mark.django_db(transaction=True)
def test_live_socket_only_for_the_users_sites(client: Client) -> None:
    enterprise = NodeFactory.create()
    north, south = NodeFactory.create(parent=enterprise), NodeFactory.create(parent=enterprise)
    mine = CharacteristicFactory.create(hierarchy=NodeFactory.create(parent=north))
    theirs = CharacteristicFactory.create(hierarchy=NodeFactory.create(parent=south))
    user = persona("ws-op", "pw-123456789", None)
    from hierarchy.roles import assign_role

    assign_role(user, OPERATOR)
    SiteGrant.objects.create(user=user, node=north)
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()

    async def scenario() -> list[bool]:
        results = []
        for query in (f"char={mine.pk}", f"char={theirs.pk}", f"node={south.pk}"):
            ws = _connect(query, cookie)
            connected, _ = await ws.connect()
            results.append(bool(connected))
            await ws.disconnect()
        return results

    channel_layers.backends.clear()
    assert asyncio.run(scenario()) == [True, False, False]
