"""Electronic signatures and reasons of audited changes, and the refusals they raise.

:func:`sign` checks an electronic signature (the user's password re-entered) and returns a
:class:`Signature` for the record; :func:`require_reason` insists on a reason. Both raise a
:class:`ChangeRefused` (``field`` and ``message``, the shape of the SPC core's
``InputError``) so that callers can report it on the field it concerns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

LIMIT_CHANGE = "Approval of control limits"
RULE_CHANGE = "Approval of run rules"
RULE_AND_LIMIT_CHANGE = "Approval of run rules and control limits"
EXCLUSION = "Approval of sample exclusion"
INCLUSION = "Approval of sample re-inclusion"
CORRECTION = "Approval of sample correction"


class ChangeRefused(ValueError):  # noqa: N818 - reads as the condition, like InputError
    """A change the audit trail will not sign or record as given, with the field it concerns.

    Callers that report input errors by field catch it beside their own (the API turns it
    into a 400 with ``{field: [message]}``).
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class SignatureError(ChangeRefused):
    """The re-entered password does not match: the change is refused."""

    def __init__(self, message: str = "Wrong password: the change was not signed.") -> None:
        super().__init__("signature_password", message)


@dataclass(frozen=True)
class Signature:
    """An electronic signature: who signed, when, and what the signature means."""

    user: Any
    meaning: str
    time: datetime = field(default_factory=timezone.now)


def sign(user: Any, password: str | None, meaning: str) -> Signature:
    """Check ``password`` against ``user``'s and return the signature, else raise
    :class:`SignatureError` (no password, nobody signed in, or a wrong password)."""
    if not password:
        raise SignatureError("Re-enter your password to sign this change.")
    if user is None or not getattr(user, "is_authenticated", False):
        raise SignatureError("Sign in to sign this change.")
    if not user.check_password(password):
        raise SignatureError()
    return Signature(user=user, meaning=meaning)


def require_reason(reason: str | None, field_name: str = "reason") -> str:
    """The stripped reason; raises :class:`ChangeRefused` on ``field_name`` when it is empty."""
    text = (reason or "").strip()
    if not text:
        raise ChangeRefused(field_name, "A reason is required for this change.")
    return text
