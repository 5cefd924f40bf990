"""One try of a message: POST a signed webhook, or send an e-mail over Django's backend.

Neither touches the database: each returns what happened, for the delivery log.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from alerts.notifications import signing
from alerts.notifications.messages import email_bodies, email_subject

EXCERPT = 500


@dataclass(frozen=True)
class AttemptOutcome:
    """What one try did: delivered or not, HTTP status, latency, a response excerpt."""

    ok: bool
    latency_ms: float
    status_code: int | None = None
    excerpt: str = ""
    error: str = ""


def body_of(payload: dict[str, Any]) -> bytes:
    """The exact bytes POSTed (and signed): compact JSON, keys sorted."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def post_webhook(url: str, secret: str, payload: dict[str, Any]) -> AttemptOutcome:
    """POST the signed event; a 2xx answer is delivered, anything else (or no answer) not."""
    body = body_of(payload)
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "OpenSPC-Webhook/1",
            signing.SIGNATURE_HEADER: signing.signature_header(secret, body),
            signing.EVENT_ID_HEADER: str(payload["id"]),
            signing.EVENT_TYPE_HEADER: str(payload["type"]),
        },
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=settings.OPENSPC_WEBHOOK_TIMEOUT) as resp:
            text = resp.read(EXCERPT).decode("utf-8", errors="replace")
            status = resp.status
    except urllib.error.HTTPError as exc:
        text = exc.read(EXCERPT).decode("utf-8", errors="replace") if exc.fp else ""
        elapsed = (time.perf_counter() - started) * 1000
        return AttemptOutcome(False, elapsed, exc.code, text, f"HTTP {exc.code}")
    except (OSError, ValueError) as exc:  # refused, timed out, DNS, TLS
        elapsed = (time.perf_counter() - started) * 1000
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        return AttemptOutcome(False, elapsed, None, "", _describe(reason))
    elapsed = (time.perf_counter() - started) * 1000
    return AttemptOutcome(200 <= status < 300, elapsed, status, text)


def _describe(error: object) -> str:
    """``ConnectionRefusedError: [Errno 111] Connection refused`` (at most 500 chars)."""
    return f"{type(error).__name__}: {error}"[:EXCERPT]


def send_email(recipients: list[str], payload: dict[str, Any]) -> AttemptOutcome:
    """Send the plain-text + HTML e-mail of an event to ``recipients``."""
    text, html = email_bodies(payload)
    message = EmailMultiAlternatives(
        email_subject(payload),
        text,
        settings.DEFAULT_FROM_EMAIL,
        recipients,
        headers={signing.EVENT_ID_HEADER: str(payload["id"])},
    )
    message.attach_alternative(html, "text/html")
    started = time.perf_counter()
    try:
        sent = message.send(fail_silently=False)
    except (OSError, ValueError) as exc:  # smtplib errors are OSErrors
        elapsed = (time.perf_counter() - started) * 1000
        return AttemptOutcome(False, elapsed, None, "", _describe(exc))
    elapsed = (time.perf_counter() - started) * 1000
    return AttemptOutcome(sent == 1, elapsed, None, f"sent to {len(recipients)} recipient(s)")
