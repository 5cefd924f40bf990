"""What a notification says: the webhook's JSON event and the e-mail's text and HTML.

Built once when a delivery is created and stored on it, so every retry sends the same
body (only the signature's timestamp changes).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from alerts.models import Violation
from spc.core.rule_texts import rule_text

EVENT_TYPES = {"RAISED": "violation.raised", "ESCALATED": "violation.escalated"}


def chart_url(characteristic_id: int) -> str:
    """The absolute link to a characteristic's chart page (``SITE_URL`` + path)."""
    return settings.SITE_URL + reverse("spc:characteristic", args=[characteristic_id])


def event_payload(
    violation: Violation, kind: str, event_id: str, rule_name: str = ""
) -> dict[str, Any]:
    """The JSON event of a violation (``violation.raised`` or ``violation.escalated``)."""
    char = violation.characteristic
    node = char.hierarchy
    sample = violation.sample
    return {
        "id": event_id,
        "type": EVENT_TYPES[kind],
        "notification_rule": rule_name,
        "violation": {
            "id": violation.pk,
            "rule": violation.rule,
            "rule_name": rule_text(violation.rule, char.rules, char.chart_type),
            "severity": violation.severity,
            "created_at": violation.created_at.isoformat(),
            "episode": violation.episode,
            "acknowledged": violation.acknowledged_at is not None,
        },
        "sample": {
            "id": sample.pk,
            "timestamp": sample.timestamp.isoformat(),
            "value": sample.value,
        },
        "characteristic": {
            "id": char.pk,
            "name": char.name,
            "unit": char.unit,
            "node": node.name,
            "path": node.path,
            "url": chart_url(char.pk),
        },
    }


def email_subject(payload: dict[str, Any]) -> str:
    """One line: severity, characteristic, rule (escalations say so first)."""
    v, c = payload["violation"], payload["characteristic"]
    prefix = "ESCALATION: still open — " if payload["type"] == EVENT_TYPES["ESCALATED"] else ""
    return f"[OpenSPC] {prefix}{v['severity'].title()}: {c['name']} — {v['rule_name']}"[:200]


def email_bodies(payload: dict[str, Any]) -> tuple[str, str]:
    """The plain-text and the HTML body of a notification e-mail."""
    context = {
        "event": payload,
        "v": payload["violation"],
        "c": payload["characteristic"],
        "s": payload["sample"],
        "escalated": payload["type"] == EVENT_TYPES["ESCALATED"],
    }
    text = render_to_string("alerts/notifications/email.txt", context)
    html = render_to_string("alerts/notifications/email.html", context)
    return text, html
