"""The OpenAPI schema documents the electronic signature where the API requires it."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api_client: APIClient) -> dict[str, Any]:
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def request_schema(schema: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    """The JSON request body schema of an operation, with its $ref resolved."""
    body = schema["paths"][path][method]["requestBody"]["content"]["application/json"]
    name = body["schema"]["$ref"].rsplit("/", 1)[-1]
    component: dict[str, Any] = schema["components"]["schemas"][name]
    return component


@pytest.mark.parametrize(
    ("path", "method", "reason"),
    [
        ("/api/v1/characteristics/{id}/recalculate-limits/", "post", "reason"),
        ("/api/v1/characteristics/", "post", "reason"),
        ("/api/v1/characteristics/{id}/", "put", "reason"),
        ("/api/v1/characteristics/{id}/", "patch", "reason"),
        ("/api/v1/samples/{id}/", "patch", "exclusion_reason"),
    ],
)
def test_signed_operations_document_the_password_and_the_reason(
    schema: dict[str, Any], path: str, method: str, reason: str
) -> None:
    body = request_schema(schema, path, method)
    password = body["properties"]["signature_password"]
    assert password["writeOnly"] is True
    assert "re-entered" in password["description"]
    assert reason in body["properties"]
    assert "Required" in password["description"]  # PATCH bodies list no required fields


def test_the_password_is_never_in_a_response_schema(schema: dict[str, Any]) -> None:
    for name in ("Characteristic", "Sample", "LimitPreview"):
        assert "signature_password" not in schema["components"]["schemas"][name]["properties"]


def test_an_excluding_patch_without_the_password_is_refused(
    api_client: APIClient, engineer: Any
) -> None:
    from spc.tests.factories import SampleFactory

    sample = SampleFactory()
    client = APIClient()
    client.force_authenticate(engineer)
    body = {"is_excluded": True, "exclusion_reason": "gauge"}
    response = client.patch(f"/api/v1/samples/{sample.pk}/", body, format="json")
    assert response.status_code == 400
    assert "signature_password" in response.json()
    sample.refresh_from_db()
    assert sample.is_excluded is False
