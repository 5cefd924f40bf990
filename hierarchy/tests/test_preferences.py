"""Page language and time zone: the browser's by default, the account's when chosen."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client

from hierarchy.models import UserPreference
from spc.tests.factories import CharacteristicFactory, SampleFactory

pytestmark = pytest.mark.django_db


def test_the_browser_language_is_the_default(client: Client) -> None:
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert '<html lang="de">' in page.content.decode()
    assert "Benutzername" in page.content.decode()
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="es")
    assert "Iniciar sesión" in page.content.decode()
    assert "Log in" in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()


def test_the_switcher_sets_a_cookie_and_refuses_foreign_redirects(client: Client) -> None:
    answer = client.post("/account/language/", {"language": "es", "next": "/accounts/login/"})
    assert answer.status_code == 302
    assert answer["Location"] == "/accounts/login/"
    assert answer.cookies["django_language"].value == "es"
    assert "Contraseña" in client.get("/accounts/login/").content.decode()
    answer = client.post("/account/language/", {"language": "de", "next": "https://evil.example/"})
    assert answer["Location"] == "/"
    answer = client.post("/account/language/", {"language": "xx"})
    assert "django_language" not in answer.cookies


def test_a_signed_in_users_language_is_kept_with_the_account(operator: User) -> None:
    first = Client()
    first.force_login(operator)
    first.post("/account/language/", {"language": "de", "next": "/"})
    assert UserPreference.objects.get(user=operator).language == "de"
    other_device = Client()  # English browser, no cookie: the account decides
    other_device.post(
        "/accounts/login/",
        {"username": "olga", "password": "operator-pass-1"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    page = other_device.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Werk</h1>" in page


def test_the_preferences_page_stores_language_and_zone(client: Client, operator: User) -> None:
    client.force_login(operator)
    assert client.get("/account/preferences/").status_code == 200
    answer = client.post(
        "/account/preferences/", {"language": "es", "time_zone": "America/Chicago"}
    )
    assert answer.status_code == 302
    stored = UserPreference.objects.get(user=operator)
    assert (stored.language, stored.time_zone) == ("es", "America/Chicago")
    page = client.post("/account/preferences/", {"language": "", "time_zone": "Mars/Base"})
    assert page.status_code == 200  # an unknown zone is a form error, not a 500
    assert "Mars/Base" in page.content.decode()
    assert UserPreference.objects.get(user=operator).time_zone == "America/Chicago"


def test_times_show_in_the_users_zone(client: Client, operator: User, settings: object) -> None:
    char = CharacteristicFactory(name="Bore")
    moment = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    SampleFactory(characteristic=char, timestamp=moment, value=74.0, mean=74.0)
    client.force_login(operator)
    dashboard = f"/nodes/{char.hierarchy_id}/"
    assert "2026-01-15 12:00:00 UTC" in client.get(dashboard).content.decode()
    client.post("/account/preferences/", {"language": "", "time_zone": "America/Chicago"})
    assert "2026-01-15 06:00:00 CST" in client.get(dashboard).content.decode()
    client.post("/account/preferences/", {"language": "", "time_zone": ""})
    assert "2026-01-15 12:00:00 UTC" in client.get(dashboard).content.decode()
