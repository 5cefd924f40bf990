"""Whether an outside sign-in service (directory, identity provider) failed for a request."""

from __future__ import annotations

from typing import Any

_FLAG = "_openspc_signin_unavailable"


def note_unavailable(request: Any) -> None:
    """Remember on ``request`` that the directory or provider could not be asked."""
    if request is not None:
        setattr(request, _FLAG, True)


def was_unavailable(request: Any) -> bool:
    """True when :func:`note_unavailable` was called for ``request``."""
    return bool(getattr(request, _FLAG, False))
