"""Creating the first administrator (first-run page and ``manage.py create_admin``)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from hierarchy.models import SiteGrant
from hierarchy.roles import ADMIN, assign_role


def needs_setup() -> bool:
    """True while no user exists at all: the first-run page is open."""
    return not User.objects.exists()


@transaction.atomic
def create_admin(username: str, password: str, email: str = "") -> User:
    """A superuser in the Admin group with a whole-plant grant; the password must not be
    blank (validators are the caller's business, as the form and command report them)."""
    if not password:
        raise ValueError("The password must not be blank.")
    user = User.objects.create_superuser(username, email=email or None, password=password)
    assign_role(user, ADMIN)
    SiteGrant.objects.create(user=user, node=None)
    # the user's creation, role and grant are recorded by the trail (AUDIT_CONFIG_MODELS)
    return user
