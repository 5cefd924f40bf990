"""The sign-in page's tags: ``{% needs_setup as flag %}`` (True while no user exists: the page
links /setup/) and ``{% oidc_sign_in_label as text %}`` (the company sign-in button)."""

from __future__ import annotations

from django import template

from hierarchy import accounts

register = template.Library()


@register.simple_tag
def needs_setup() -> bool:
    """True while no user exists at all."""
    return accounts.needs_setup()


@register.simple_tag
def oidc_sign_in_label() -> str:
    """The company sign-in button's text; "" when OpenID Connect is not configured."""
    from hierarchy.signin.oidc import sign_in_label

    return sign_in_label()
