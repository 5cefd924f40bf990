"""The OpenAPI schema documents the API, and no generated request makes it answer 500.

Schemathesis generates requests from the schema (including malformed bodies and
parameters) for every operation; each must get a 2xx/3xx/4xx, never a server error, and
every documented response must match its schema (types, nullability, content type).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from alerts.tests.factories import ReasonCodeFactory, ViolationFactory
from spc.tests.factories import CharacteristicFactory, MeasurementFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


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


def test_schema_generates_without_warnings(tmp_path: Path) -> None:
    """Every view's request and response shapes are known to drf-spectacular (a warning
    means an operation is documented as a bare object, or not at all)."""
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    assert "SampleOrBulkResults" in text
    assert "/api/v1/violations/batch-acknowledge/" in text


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_operation_answers_500_or_breaks_its_schema(case: Any, token: str) -> None:
    response = case.call(headers={"Authorization": f"Token {token}"})
    case.validate_response(response, checks=CHECKS)


@pytest.mark.django_db(transaction=True)
def test_study_chart_and_stats_responses_match_their_documented_shapes(
    engineer: User,
) -> None:
    """The generated requests rarely reach a capability study or a chart with limits and
    violations; these real ones do, and each 200 must match its schema."""
    from spc.pipeline.processing import SubgroupInput, process

    char = CharacteristicFactory(usl=14.0, lsl=6.0, center_line=10.0, ucl=13.0, lcl=7.0)
    for value in [10.0, 11.0, 9.5] * 10 + [14.5]:
        process(SubgroupInput(characteristic_id=char.pk, measurements=(value,)))
    headers = {"Authorization": f"Token {Token.objects.create(user=engineer).key}"}
    for path, params in [
        ("/api/v1/characteristics/{id}/capability/", {"id": char.pk}),
        ("/api/v1/characteristics/{id}/chart-data/", {"id": char.pk}),
        ("/api/v1/violations/stats/", {}),
    ]:
        case = schema[path]["GET"].Case(path_parameters=params)
        response = case.call(headers=headers)
        assert response.status_code == 200, (path, response.text[:300])
        case.validate_response(response, checks=CHECKS)
