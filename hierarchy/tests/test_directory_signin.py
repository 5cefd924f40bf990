"""Sign-in against a real OpenLDAP server (Debian's slapd, started by these tests).

The directory holds people and groupOfNames groups; OpenSPC's settings map the groups to
roles and to site grants. A disabled account is locked the directory's way (password
policy overlay, ``pwdAccountLockedTime``), so slapd itself refuses its bind.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from hierarchy.models import Node, SiteGrant
from hierarchy.roles import ENGINEER, OPERATOR, role_of
from hierarchy.tests import slapd
from hierarchy.tests.factories import NodeFactory
from hierarchy.tests.slapd import GROUPS, PEOPLE, Slapd, group_dn

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(not slapd.available(), reason="needs Debian's slapd and ldap-utils"),
]

USERS = {"anna": "anna-ldap-pass", "bruno": "bruno-ldap-pass", "carla": "carla-ldap-pass"}
GROUP_MEMBERS = {
    "spc-operators": ["anna", "carla"],
    "spc-engineers": ["bruno"],
    "site-hamburg": ["anna", "bruno"],
    "site-madrid": ["bruno"],
}
DOWN_TEXT = "The company directory cannot be reached"
WRONG_TEXT = "Your user name and password did not match"


@pytest.fixture(scope="module")
def directory() -> Iterator[Slapd]:
    """One slapd for the module; carla's account is disabled in the directory."""
    server = Slapd(USERS, GROUP_MEMBERS, locked=("carla",))
    server.start()
    yield server
    server.cleanup()


def configure(settings: Any, url: str, bind_password: str = "admin-secret") -> None:
    """Point OpenSPC at the test directory, as the OPENSPC_LDAP_* variables would."""
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "hierarchy.signin.directory.DirectoryBackend",
    ]
    settings.OPENSPC_LDAP_URL = url
    settings.OPENSPC_LDAP_BIND_DN = slapd.ADMIN_DN
    settings.OPENSPC_LDAP_BIND_PASSWORD = bind_password
    settings.OPENSPC_LDAP_USER_BASE = PEOPLE
    settings.OPENSPC_LDAP_USER_FILTER = "(uid=%(user)s)"
    settings.OPENSPC_LDAP_GROUP_BASE = GROUPS
    settings.OPENSPC_LDAP_GROUP_TYPE = "groupOfNames"
    settings.OPENSPC_LDAP_TIMEOUT = 2
    settings.OPENSPC_LDAP_ROLE_GROUPS = (
        f"{group_dn('spc-operators')} => Operator; {group_dn('spc-engineers')} => Engineer"
    )
    settings.OPENSPC_LDAP_SITE_GROUPS = (
        f"{group_dn('site-hamburg')} => Acme/Hamburg; {group_dn('site-madrid')} => Acme/Madrid"
    )


@pytest.fixture
def plant(db: None) -> dict[str, Node]:
    """Acme with two sites, addressed by name paths in the site mapping."""
    acme: Node = NodeFactory(name="Acme")
    hamburg: Node = NodeFactory(parent=acme, name="Hamburg")
    madrid: Node = NodeFactory(parent=acme, name="Madrid")
    return {"hamburg": hamburg, "madrid": madrid}


def sign_in(username: str, password: str) -> tuple[Client, str]:
    """POST the sign-in form; the client and the page's text ("" after a redirect)."""
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code in (200, 302)
    return client, ("" if response.status_code == 302 else response.content.decode())


def grants(user: User) -> set[str | None]:
    """Names of the user's granted nodes (None: whole plant)."""
    return {g.node.name if g.node else None for g in SiteGrant.objects.filter(user=user)}


def test_directory_user_signs_in_with_mapped_role_and_sites(
    directory: Slapd, settings: Any, plant: dict[str, Node]
) -> None:
    configure(settings, directory.url)
    client, page = sign_in("anna", USERS["anna"])
    assert page == ""
    anna = User.objects.get(username="anna")
    assert (anna.first_name, anna.email) == ("Anna", "anna@plant.example")
    assert not anna.has_usable_password()  # only the directory can let her in
    assert role_of(anna) == OPERATOR
    assert not anna.is_staff
    assert grants(anna) == {"Hamburg"}
    assert client.get("/").status_code == 200  # signed in: the plant page, not the form

    _, page = sign_in("bruno", USERS["bruno"])
    bruno = User.objects.get(username="bruno")
    assert role_of(bruno) == ENGINEER
    assert bruno.is_staff
    assert grants(bruno) == {"Hamburg", "Madrid"}


def test_roles_and_sites_follow_the_directory_at_each_sign_in(
    directory: Slapd, settings: Any, plant: dict[str, Node]
) -> None:
    configure(settings, directory.url)
    sign_in("anna", USERS["anna"])
    anna = User.objects.get(username="anna")
    assert role_of(anna) == OPERATOR
    assert grants(anna) == {"Hamburg"}
    anna_dn = f"uid=anna,{PEOPLE}"
    directory.modify(
        f"dn: {group_dn('spc-engineers')}\nchangetype: modify\nadd: member\nmember: {anna_dn}\n\n"
        f"dn: {group_dn('site-hamburg')}\nchangetype: modify\ndelete: member\n"
        f"member: {anna_dn}\n\n"
        f"dn: {group_dn('site-madrid')}\nchangetype: modify\nadd: member\nmember: {anna_dn}\n"
    )
    try:
        _, page = sign_in("anna", USERS["anna"])
        assert page == ""
        anna = User.objects.get(username="anna")
        assert role_of(anna) == ENGINEER
        assert anna.is_staff
        assert grants(anna) == {"Madrid"}
    finally:  # the module's directory back as it was
        directory.modify(
            f"dn: {group_dn('spc-engineers')}\nchangetype: modify\ndelete: member\n"
            f"member: {anna_dn}\n\n"
            f"dn: {group_dn('site-hamburg')}\nchangetype: modify\nadd: member\n"
            f"member: {anna_dn}\n\n"
            f"dn: {group_dn('site-madrid')}\nchangetype: modify\ndelete: member\n"
            f"member: {anna_dn}\n"
        )
    # Out of every mapped group: no role and no grants at the next sign-in.
    directory.modify(
        f"dn: {group_dn('spc-operators')}\nchangetype: modify\ndelete: member\n"
        f"member: {anna_dn}\n\n"
        f"dn: {group_dn('site-hamburg')}\nchangetype: modify\ndelete: member\n"
        f"member: {anna_dn}\n"
    )
    try:
        client, _ = sign_in("anna", USERS["anna"])
        anna = User.objects.get(username="anna")
        assert role_of(anna) is None
        assert grants(anna) == set()
        assert client.get("/").status_code == 403
    finally:
        directory.modify(
            f"dn: {group_dn('spc-operators')}\nchangetype: modify\nadd: member\n"
            f"member: {anna_dn}\n\n"
            f"dn: {group_dn('site-hamburg')}\nchangetype: modify\nadd: member\n"
            f"member: {anna_dn}\n"
        )


def test_a_disabled_or_wrong_password_is_refused(
    directory: Slapd, settings: Any, plant: dict[str, Node]
) -> None:
    configure(settings, directory.url)
    _, page = sign_in("carla", USERS["carla"])  # right password, account locked
    assert WRONG_TEXT in page
    assert not User.objects.filter(username="carla").exists()
    _, page = sign_in("anna", "not-her-password")
    assert WRONG_TEXT in page
    assert DOWN_TEXT not in page


def test_a_local_account_is_not_taken_over_by_a_directory_user(
    directory: Slapd, settings: Any, plant: dict[str, Node]
) -> None:
    configure(settings, directory.url)
    User.objects.create_user("anna", password="local-anna-pass")
    _, page = sign_in("anna", USERS["anna"])  # the directory's password
    assert WRONG_TEXT in page
    anna = User.objects.get(username="anna")
    assert role_of(anna) is None
    assert grants(anna) == set()
    assert sign_in("anna", "local-anna-pass")[1] == ""  # her local password still works


def test_directory_down_says_so_and_local_accounts_still_sign_in(
    settings: Any, plant: dict[str, Node]
) -> None:
    server = Slapd(USERS, GROUP_MEMBERS)
    server.start()
    try:
        configure(settings, server.url)
        User.objects.create_user("local-lena", password="local-pass-123")
        assert sign_in("anna", USERS["anna"])[1] == ""
        server.stop()
        _, page = sign_in("anna", USERS["anna"])
        assert DOWN_TEXT in page
        assert "Local accounts still work" in page
        client, page = sign_in("local-lena", "local-pass-123")
        assert page == ""
        assert client.get("/accounts/login/").wsgi_request.user.username == "local-lena"
        server.start()  # back: directory users sign in again
        assert sign_in("anna", USERS["anna"])[1] == ""
    finally:
        server.cleanup()


def test_a_wrong_service_account_password_gives_the_message_not_a_500(
    directory: Slapd, settings: Any, plant: dict[str, Node]
) -> None:
    configure(settings, directory.url, bind_password="wrong")
    _, page = sign_in("anna", USERS["anna"])
    assert DOWN_TEXT in page
    configure(settings, directory.url)
    for broken in ("no arrow here", "cn=x => Chief"):  # unreadable; no such role
        settings.OPENSPC_LDAP_ROLE_GROUPS = broken
        _, page = sign_in("anna", USERS["anna"])
        assert DOWN_TEXT in page
