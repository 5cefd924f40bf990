"""The OpenAPI schema documents the API, and no generated request makes it answer 500.

Schemathesis generates requests from the schema (including malformed bodies and
parameters) for every operation; each must get a 2xx/3xx/4xx, never a server error.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from alerts.tests.factories import ReasonCodeFactory, ViolationFactory
from spc.tests.factories import CharacteristicFactory, MeasurementFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture
def token(db: None, engineer: User) -> str:
    """Data for every endpoint to find, and a staff token so writes are attempted."""
    CharacteristicFactory()
    MeasurementFactory()
    ViolationFactory()
    ReasonCodeFactory(code="wear")
    return Token.objects.create(user=engineer).key


def test_schema_and_docs_are_served(api_client: APIClient) -> None:
    schema_response = api_client.get("/api/schema/")
    assert schema_response.status_code == 200
    assert b"/api/v1/samples/" in schema_response.content
    assert api_client.get("/api/docs/").status_code == 200


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_operation_answers_500(case: Any, token: str) -> None:
    response = case.call(headers={"Authorization": f"Token {token}"})
    assert response.status_code < 500, (case.method, case.path, response.text[:500])
