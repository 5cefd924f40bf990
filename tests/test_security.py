"""Login lockout and rate limit, API token revocation, the CSP header."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from hierarchy.models import ApiToken

pytestmark = pytest.mark.django_db


def test_repeated_wrong_passwords_lock_the_account_out(operator: User, settings) -> None:
    client = Client()
    codes = [
        client.post("/accounts/login/", {"username": "olga", "password": "wrong"}).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    # The form again with an error, until the last allowed failure locks the account.
    assert codes == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    locked = client.post("/accounts/login/", {"username": "olga", "password": "operator-pass-1"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_right_password_before_the_limit_signs_in(operator: User) -> None:
    client = Client()
    client.post("/accounts/login/", {"username": "olga", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "olga", "password": "operator-pass-1"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(operator.pk)


def test_login_posts_are_rate_limited_per_address(db: None, settings) -> None:
    settings.OPENSPC_LOGIN_RATE = 3
    settings.AXES_FAILURE_LIMIT = 100
    client = Client()
    codes = [
        client.post("/accounts/login/", {"username": f"u{i}", "password": "x"}).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]


def test_the_login_limit_minute_starts_at_the_first_attempt(
    db: None, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attempts that straddle a clock minute share one count (the CI failure of a fixed window)."""
    settings.OPENSPC_LOGIN_RATE = 3
    settings.AXES_FAILURE_LIMIT = 100
    now = [1_800_000_059.5]  # half a second before a clock minute ends
    monkeypatch.setattr("time.time", lambda: now[0])
    client = Client()

    def attempt(i: int) -> int:
        return client.post("/accounts/login/", {"username": f"u{i}", "password": "x"}).status_code

    assert [attempt(i) for i in range(3)] == [200, 200, 200]
    now[0] += 1.0  # the next clock minute, the same minute of attempts
    refused = client.post("/accounts/login/", {"username": "u3", "password": "x"})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    now[0] += 59.5  # past sixty seconds after the first attempt: a fresh count
    assert attempt(4) == 200
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post("/accounts/login/", {"username": "u5", "password": "x"}).status_code == 200


def test_revoked_token_no_longer_authenticates(operator: User) -> None:
    token, key = ApiToken.issue(operator, "CMM")
    assert key.startswith("ospc_")
    assert key not in (token.key_hash, token.prefix)  # only the hash is stored
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/reason-codes/").status_code == 200
    token.refresh_from_db()
    assert token.last_used is not None
    token.revoke()
    assert client.get("/api/v1/reason-codes/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Bearer ospc_made-up")
    assert client.get("/api/v1/reason-codes/").status_code == 401


def test_pages_send_a_content_security_policy_without_inline_scripts(operator: User) -> None:
    client = Client()
    client.force_login(operator)
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    html = response.content.decode()
    assert "<script>" not in html  # every script has a src
