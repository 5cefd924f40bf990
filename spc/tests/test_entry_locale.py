"""Number entry in the page's language: a decimal comma or point, grouping by the locale."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation

from spc.forms import parse_number
from spc.models import Sample
from spc.tests.factories import CharacteristicFactory


@pytest.mark.parametrize(
    ("typed", "language", "value"),
    [
        ("74,012", "de", 74.012),
        ("74.012", "de", 74.012),  # one separator: always the decimal one
        ("74,012", "en", 74.012),
        (" -0,5 ", "es", -0.5),
        ("1.234,5", "de", 1234.5),
        ("1,234.5", "en", 1234.5),
        ("1 234,5", "de", 1234.5),
    ],
)
def test_typed_numbers(typed: str, language: str, value: float) -> None:
    with translation.override(language):
        assert parse_number(typed) == value


@pytest.mark.parametrize(
    ("typed", "language"), [("1,234.5", "de"), ("1.2.3,4,5", "de"), ("x", "en")]
)
def test_ambiguous_or_wrong_numbers_are_refused(typed: str, language: str) -> None:
    with translation.override(language), pytest.raises(ValueError, match=r"\w"):
        parse_number(typed)


@pytest.mark.django_db
def test_german_entry_stores_the_decimal_comma_value(client: Client, operator: User) -> None:
    char = CharacteristicFactory(name="Bore", unit="mm", decimal_places=3)
    client.force_login(operator)
    page = client.post(
        f"/chars/{char.pk}/entry/",
        {"m0": "74,012"},
        HTTP_ACCEPT_LANGUAGE="de",
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "74,012 mm" in page
    assert "gespeichert" in page
    assert Sample.objects.get(characteristic=char).value == 74.012
    page = client.post(
        f"/chars/{char.pk}/entry/",
        {"m0": "sieben"},
        HTTP_ACCEPT_LANGUAGE="de",
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "„sieben“ ist keine Zahl." in page
