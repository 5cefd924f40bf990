"""First run: /setup/ creates the first administrator while no user exists, then is 404;
``manage.py create_admin`` creates an administrator without a default password."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client

from audit.models import AuditEntry
from hierarchy.roles import ADMIN, role_of
from hierarchy.scoping import granted_paths

pytestmark = pytest.mark.django_db

GOOD = "Kl4ppe-Drehmoment"


def test_setup_creates_the_first_admin_and_sends_to_login() -> None:
    client = Client(enforce_csrf_checks=False)
    assert client.get("/setup/").status_code == 200
    response = client.post("/setup/", {"username": "root", "password1": GOOD, "password2": GOOD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    user = User.objects.get(username="root")
    assert user.is_superuser
    assert user.is_staff
    assert user.check_password(GOOD)
    assert role_of(user) == ADMIN
    assert user.groups.filter(name=ADMIN).exists()
    assert granted_paths(user) is None
    assert AuditEntry.objects.filter(object_type="auth.User", action="CREATE").count() == 1
    assert (
        client.post("/accounts/login/", {"username": "root", "password": GOOD}).status_code == 302
    )


def test_setup_is_404_once_any_user_exists() -> None:
    User.objects.create_user("someone", password="x")
    assert Client().get("/setup/").status_code == 404
    response = Client().post("/setup/", {"username": "evil", "password1": GOOD, "password2": GOOD})
    assert response.status_code == 404
    assert not User.objects.filter(username="evil").exists()


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        (GOOD, GOOD + "x", "The two passwords differ."),
        ("short", "short", "too short"),
        ("password123", "password123", "too common"),
        ("rootroot99", "rootroot99", "too similar"),
    ],
)
def test_setup_applies_the_password_validators(first: str, second: str, message: str) -> None:
    response = Client().post(
        "/setup/", {"username": "rootroot", "password1": first, "password2": second}
    )
    assert response.status_code == 200
    assert message in response.text
    assert not User.objects.exists()


def test_setup_needs_csrf() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/setup/", {"username": "root", "password1": GOOD, "password2": GOOD})
    assert response.status_code == 403
    assert not User.objects.exists()


def test_login_page_links_setup_only_while_no_user_exists() -> None:
    assert 'href="/setup/"' in Client().get("/accounts/login/").text
    User.objects.create_user("someone", password="x")
    assert 'href="/setup/"' not in Client().get("/accounts/login/").text


def test_create_admin_reads_the_password_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(GOOD + "\n"))
    out = io.StringIO()
    call_command("create_admin", "--username", "ops", "--password-stdin", stdout=out)
    user = User.objects.get(username="ops")
    assert user.is_superuser
    assert user.check_password(GOOD)
    assert role_of(user) == ADMIN
    assert user.groups.filter(name=ADMIN).exists()
    assert "created" in out.getvalue()


def test_create_admin_prompts_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter([GOOD, GOOD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("create_admin", "--username", "ops", stdout=io.StringIO())
    assert User.objects.get(username="ops").check_password(GOOD)


def test_create_admin_refuses_differing_prompts(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter([GOOD, GOOD + "!"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="differ"):
        call_command("create_admin", "--username", "ops")
    assert not User.objects.exists()


@pytest.mark.parametrize("stdin", ["\n", ""])
def test_create_admin_refuses_a_blank_password(monkeypatch: pytest.MonkeyPatch, stdin: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    with pytest.raises(CommandError, match="blank"):
        call_command("create_admin", "--username", "ops", "--password-stdin")
    assert not User.objects.exists()


def test_create_admin_refuses_a_weak_password_and_an_existing_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("password\n"))
    with pytest.raises(CommandError, match="too common"):
        call_command("create_admin", "--username", "ops", "--password-stdin")
    User.objects.create_user("ops", password="x")
    monkeypatch.setattr("sys.stdin", io.StringIO(GOOD + "\n"))
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_admin", "--username", "ops", "--password-stdin")
