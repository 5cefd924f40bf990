"""Shared fixtures: personas, an authenticated API client, and a small plant."""

from __future__ import annotations

import os
import socket
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache, caches
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from hierarchy.models import Node, SiteGrant
from hierarchy.roles import ADMIN, ENGINEER, OPERATOR, QA_MANAGER, assign_role
from hierarchy.tests.factories import build_plant

# Generated inputs are checked for what they assert, not for speed: on a shared 2-core
# machine input generation can be slow, which must not fail a property.
hypothesis_settings.register_profile(
    "openspc", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("openspc")


@pytest.fixture(scope="session", autouse=True)
def _connections_closed_after_use() -> None:
    """Each thread's database connection closes after its request or consumer call.

    The server keeps connections for ``CONN_MAX_AGE`` (60 s by default) on threads that
    live as long as the process, such as the request pool and asgiref's single thread.
    In tests such a connection would outlive the test database and stop its teardown.
    """
    from django.db import connections

    connections.settings["default"]["CONN_MAX_AGE"] = 0


def service_available(port: int, host: str = "127.0.0.1") -> bool:
    """True when something listens on ``host:port``."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def require_service(port: int, name: str) -> None:
    """Skip the calling test when the service is down, or fail under CI where it must run."""
    if service_available(port):
        return
    message = f"{name} is not running on 127.0.0.1:{port}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def persona(username: str, password: str, role: str | None, **extra: Any) -> User:
    """A user with ``role`` (a ``hierarchy.roles`` name) granted the whole plant."""
    user = User.objects.create_user(username, password=password, **extra)
    if role is not None:
        assign_role(user, role)
        SiteGrant.objects.create(user=user, node=None)  # the whole plant
    return user


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate-limit counters and chart payloads live in the caches: every test starts with
    none (rolled-back tests reuse SQLite's ids, so a payload could outlive its rows)."""
    cache.clear()
    caches["shared"].clear()


@pytest.fixture
def operator(db: None) -> User:
    """A shop-floor operator (Operator role, whole plant, no admin access)."""
    return persona("olga", "operator-pass-1", OPERATOR)


@pytest.fixture
def engineer(db: None) -> User:
    """A process engineer with admin access (superuser, whole plant)."""
    user = persona("ernst", "engineer-pass-1", ADMIN, is_staff=True)
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    return user


@pytest.fixture
def process_engineer(db: None) -> User:
    """An Engineer (role, not superuser) with admin access to the whole plant."""
    return persona("elena", "engineer-pass-2", ENGINEER, is_staff=True)


@pytest.fixture
def qa_manager(db: None) -> User:
    """A QA manager (reports, exports, audit trail) with admin access to the whole plant."""
    return persona("quentin", "qa-pass-1", QA_MANAGER, is_staff=True)


@pytest.fixture
def api_client(operator: User) -> APIClient:
    """An API client authenticated with the operator's token."""
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=operator)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def plant(db: None) -> dict[str, Node]:
    """enterprise > site > area > line > cell > equipment, keyed by level name in lower case."""
    return build_plant()
