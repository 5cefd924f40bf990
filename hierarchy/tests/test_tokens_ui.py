"""The account page for API tokens: list, create (key shown once), revoke, own tokens only."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from audit.models import AuditEntry
from conftest import persona
from hierarchy.models import ApiToken, hash_key
from hierarchy.roles import OPERATOR

pytestmark = pytest.mark.django_db

URL = "/account/tokens/"


@pytest.fixture
def signed_in(operator: User) -> Client:
    client = Client()
    client.force_login(operator)
    return client


def test_token_page_needs_sign_in_and_a_role() -> None:
    assert Client().get(URL).status_code == 302
    client = Client()
    client.force_login(persona("nobody", "pw-nobody-1", None))
    assert client.get(URL).status_code == 403


def test_token_page_lists_only_the_users_own_tokens(signed_in: Client, operator: User) -> None:
    ApiToken.issue(operator, "CMM line 3")
    other = persona("otto", "pw-otto-12", OPERATOR)
    ApiToken.issue(other, "Not mine")
    page = signed_in.get(URL)
    assert page.status_code == 200
    assert "CMM line 3" in page.text
    assert "Not mine" not in page.text
    assert "API tokens" in page.text  # the user-menu link in base.html


def test_creating_a_token_shows_the_key_once_and_it_authenticates(
    signed_in: Client, operator: User
) -> None:
    response = signed_in.post(URL, {"name": "MES"})
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    found = re.search(r'id="new-token-key">(ospc_[^<]+)<', response.text)
    assert found is not None
    key = found.group(1)
    token = ApiToken.objects.get(user=operator, name="MES")
    assert token.key_hash == hash_key(key)
    assert key not in signed_in.get(URL).text  # never shown again
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/characteristics/").status_code == 200
    entry = AuditEntry.objects.get(object_type="hierarchy.ApiToken", action="CREATE")
    assert entry.user == operator
    assert entry.new == {"name": "MES", "prefix": token.prefix}


def test_a_blank_name_is_refused(signed_in: Client) -> None:
    response = signed_in.post(URL, {"name": "  "})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_revoking_stops_the_token_and_is_audited(signed_in: Client, operator: User) -> None:
    token, key = ApiToken.issue(operator, "MES")
    response = signed_in.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked is not None
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/characteristics/").status_code == 401
    entry = AuditEntry.objects.get(object_type="hierarchy.ApiToken", action="CHANGE")
    assert (entry.user, entry.old, entry.new) == (operator, {"revoked": False}, {"revoked": True})


def test_revoke_needs_post_and_csrf(operator: User) -> None:
    token, _ = ApiToken.issue(operator, "MES")
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    assert client.get(f"/account/tokens/{token.pk}/revoke/").status_code == 405
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.revoked is None


def test_another_users_token_is_404(signed_in: Client) -> None:
    other = persona("otto", "pw-otto-12", OPERATOR)
    token, _ = ApiToken.issue(other, "Theirs")
    assert signed_in.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked is None


def test_token_names_are_escaped(signed_in: Client, operator: User) -> None:
    ApiToken.issue(operator, "<script>alert(1)</script>")
    page = signed_in.get(URL)
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
