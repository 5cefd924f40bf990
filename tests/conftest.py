"""Fixtures for the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections


@pytest.fixture(autouse=True)
def _keep_test_connection(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests calling the WSGI application directly (schemathesis) keep the test's connection.

    Django closes old database connections at the start and end of each request; inside a
    test that would close the connection holding the test transaction (PostgreSQL then
    says "the connection is closed"). Django's own test client disconnects the handler in
    the same way for the duration of a request.
    """
    if not request.module.__name__.endswith("test_api_schema"):
        yield
        return
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
