"""Shared fixtures: personas, an authenticated API client, and a small plant."""

from __future__ import annotations

import os
import socket

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from hierarchy.models import Node
from hierarchy.tests.factories import build_plant


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


@pytest.fixture
def operator(db: None) -> User:
    """A shop-floor operator (no staff rights)."""
    return User.objects.create_user("olga", password="operator-pass-1")


@pytest.fixture
def engineer(db: None) -> User:
    """A process engineer with admin access."""
    return User.objects.create_superuser("ernst", password="engineer-pass-1")


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
