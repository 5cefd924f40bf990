"""OpenID Connect sign-in against a provider served over real HTTP by the test
(``hierarchy.tests.oidc_provider``: authorization code with PKCE, RS256 ID tokens).

Shows the whole redirect flow, claim -> role and claim -> site mapping, roles following the
claims at the next sign-in, a token for another client refused, a local account not taken
over, and the provider down ending on the sign-in page with a message while local
accounts still sign in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.auth.models import User
from django.test import Client

from hierarchy.models import Node, SiteGrant
from hierarchy.roles import ENGINEER, OPERATOR, role_of
from hierarchy.signin.provider import forget_discovery
from hierarchy.tests.factories import NodeFactory
from hierarchy.tests.oidc_provider import Provider

CALLBACK = "http://testserver/oidc/callback/"
DOWN_TEXT = "The company sign-in service cannot be reached"
REFUSED_TEXT = "answer was refused"


@pytest.fixture
def provider() -> Iterator[Provider]:
    server = Provider("openspc", "client-secret-1", CALLBACK)
    server.start()
    forget_discovery()
    yield server
    server.stop()
    forget_discovery()


@pytest.fixture
def configured(provider: Provider, settings: Any, db: None) -> Provider:
    """OpenSPC pointed at the provider, as the OPENSPC_OIDC_* variables would."""
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "hierarchy.signin.oidc.OidcBackend",
    ]
    settings.OPENSPC_OIDC_DISCOVERY_URL = provider.discovery_url
    settings.OPENSPC_OIDC_CLIENT_ID = "openspc"
    settings.OPENSPC_OIDC_CLIENT_SECRET = "client-secret-1"
    settings.OPENSPC_OIDC_ROLE_CLAIM = "groups"
    settings.OPENSPC_OIDC_ROLE_MAP = "spc-operators => Operator; spc-engineers => Engineer"
    settings.OPENSPC_OIDC_SITE_MAP = "site-hamburg => Acme/Hamburg; everything => *"
    settings.OPENSPC_OIDC_TIMEOUT = 2
    acme = NodeFactory(name="Acme")
    NodeFactory(parent=acme, name="Hamburg")
    return provider


def claims(groups: list[str], name: str = "maria") -> dict[str, Any]:
    return {
        "sub": f"id-{name}",
        "preferred_username": name,
        "email": f"{name}@plant.example",
        "given_name": name.title(),
        "family_name": "Example",
        "groups": groups,
    }


def sign_in(client: Client, provider: Provider, user_claims: dict[str, Any]) -> str:
    """The browser's round trip; returns where OpenSPC finally sends it."""
    start = client.get("/oidc/authenticate/?next=/")
    assert start.status_code == 302
    if not start["Location"].startswith(provider.issuer):
        return str(start["Location"])
    provider.next_claims = user_claims
    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    done = client.get(f"{back.path}?{back.query}")
    assert done.status_code == 302
    return str(done["Location"])


def grants(user: User) -> set[str | None]:
    return {g.node.name if g.node else None for g in SiteGrant.objects.filter(user=user)}


def test_the_sign_in_page_offers_the_provider(client: Client, configured: Provider) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with your company account" in page
    assert 'href="/oidc/authenticate/' in page


def test_sign_in_maps_the_role_claim_to_role_and_sites(
    client: Client, configured: Provider
) -> None:
    assert sign_in(client, configured, claims(["spc-operators", "site-hamburg"])) == "/"
    maria = User.objects.get(username="maria")
    assert client.get("/").status_code == 200  # signed in
    assert (maria.first_name, maria.email) == ("Maria", "maria@plant.example")
    assert not maria.has_usable_password()
    assert role_of(maria) == OPERATOR
    assert grants(maria) == {"Hamburg"}

    other = Client()  # the next sign-in: the provider's groups changed
    assert sign_in(other, configured, claims(["spc-engineers", "everything"])) == "/"
    maria = User.objects.get(username="maria")
    assert role_of(maria) == ENGINEER
    assert maria.is_staff
    assert grants(maria) == {None}  # the whole plant


def test_a_token_for_another_client_is_refused(client: Client, configured: Provider) -> None:
    configured.audience = "someone-else"
    assert sign_in(client, configured, claims(["spc-operators"])) == "/accounts/login/"
    assert REFUSED_TEXT in client.get("/accounts/login/").content.decode()
    assert not User.objects.filter(username="maria").exists()


def test_a_local_account_is_not_taken_over(client: Client, configured: Provider) -> None:
    User.objects.create_user("maria", password="local-pass-123")
    assert sign_in(client, configured, claims(["spc-engineers"])) == "/accounts/login/"
    assert role_of(User.objects.get(username="maria")) is None
    assert REFUSED_TEXT in client.get("/accounts/login/").content.decode()


def test_provider_down_gives_a_message_and_local_accounts_still_sign_in(
    client: Client, configured: Provider
) -> None:
    configured.stop()
    forget_discovery()
    assert sign_in(client, configured, claims(["spc-operators"])) == "/accounts/login/"
    assert DOWN_TEXT in client.get("/accounts/login/").content.decode()
    User.objects.create_user("lena", password="local-pass-123")
    answer = client.post("/accounts/login/", {"username": "lena", "password": "local-pass-123"})
    assert answer.status_code == 302


def test_provider_down_between_redirect_and_callback(client: Client, configured: Provider) -> None:
    start = client.get("/oidc/authenticate/?next=/")
    configured.next_claims = claims(["spc-operators"])
    back = urlsplit(
        requests.get(start["Location"], allow_redirects=False, timeout=5).headers["Location"]
    )
    forget_discovery()
    configured.stop()
    done = client.get(f"{back.path}?{back.query}")
    assert done["Location"] == "/accounts/login/"
    assert DOWN_TEXT in client.get("/accounts/login/").content.decode()


def test_nothing_changes_when_oidc_is_not_configured(client: Client, db: None) -> None:
    assert "/oidc/authenticate/" not in client.get("/accounts/login/").content.decode()
    assert client.get("/oidc/authenticate/")["Location"] == "/accounts/login/"
    assert Node.objects.count() == 0
