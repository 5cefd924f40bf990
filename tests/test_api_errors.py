"""The project's DRF exception handler answers domain refusals with a 400 by field."""

from __future__ import annotations

from audit.signatures import ChangeRefused
from openspc.api_errors import handle
from spc.core.errors import InputError


def test_a_refused_signature_is_a_400_on_its_field() -> None:
    response = handle(ChangeRefused("signature_password", "Wrong password."), {})
    assert response is not None
    assert response.status_code == 400
    assert response.data == {"signature_password": ["Wrong password."]}


def test_an_input_error_is_a_400_on_its_field() -> None:
    response = handle(InputError("measurements", "Measurements must be finite numbers."), {})
    assert response is not None
    assert response.status_code == 400
    assert response.data == {"measurements": ["Measurements must be finite numbers."]}
