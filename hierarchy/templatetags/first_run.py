"""``{% needs_setup as flag %}``: True while no user exists (the login page links /setup/)."""

from __future__ import annotations

from django import template

from hierarchy import accounts

register = template.Library()


@register.simple_tag
def needs_setup() -> bool:
    """True while no user exists at all."""
    return accounts.needs_setup()
