"""Endpoint status rows (``OpcUaStatus``): written by the worker, read by the admin and
``/readyz``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from ingest.models import OpcUaEndpoint, OpcUaStatus

STALE_AFTER = timedelta(seconds=30)
"""A status not refreshed this long means no worker holds the endpoint."""
HEARTBEAT_SECONDS = 5.0


@dataclass(frozen=True)
class StateChange:
    """A session connected or lost its connection (with the error, if any)."""

    endpoint_id: int
    connected: bool
    error: str


def record_state(change: StateChange) -> None:
    """Store a session's new state; an error counts, a reconnect counts."""
    now = timezone.now()
    status, _ = OpcUaStatus.objects.get_or_create(endpoint_id=change.endpoint_id)
    fields: dict[str, object] = {"heartbeat_at": now}
    if change.connected != status.connected:
        fields.update(connected=change.connected, since=now)
        if change.connected and status.since is not None:
            fields["reconnects"] = F("reconnects") + 1
    if change.error:
        fields.update(last_error=change.error[:500], last_error_at=now, errors=F("errors") + 1)
    OpcUaStatus.objects.filter(pk=status.pk).update(**fields)


def record_values(last: dict[int, str], counts: dict[int, int]) -> None:
    """After a committed batch: each endpoint's newest value and how many came."""
    now = timezone.now()
    for endpoint_id, count in counts.items():
        updated = OpcUaStatus.objects.filter(endpoint_id=endpoint_id).update(
            last_value=last.get(endpoint_id, "")[:200],
            last_value_at=now,
            values=F("values") + count,
            heartbeat_at=now,
        )
        if not updated:
            OpcUaStatus.objects.create(
                endpoint_id=endpoint_id,
                last_value=last.get(endpoint_id, "")[:200],
                last_value_at=now,
                values=count,
                heartbeat_at=now,
            )


def heartbeat(endpoint_ids: list[int]) -> None:
    """The worker is alive and holds these endpoints."""
    OpcUaStatus.objects.filter(endpoint_id__in=endpoint_ids).update(heartbeat_at=timezone.now())


def problems() -> list[str]:
    """Why OPC UA ingest is not ready: active endpoints disconnected or without a worker."""
    found: list[str] = []
    now = timezone.now()
    endpoints = OpcUaEndpoint.objects.filter(active=True, nodes__active=True).distinct()
    statuses = {s.endpoint_id: s for s in OpcUaStatus.objects.filter(endpoint__in=endpoints)}
    for endpoint in endpoints.order_by("name"):
        status = statuses.get(endpoint.pk)
        if status is None or status.heartbeat_at is None:
            found.append(f"{endpoint.name}: no worker has connected yet")
        elif now - status.heartbeat_at > STALE_AFTER:
            found.append(f"{endpoint.name}: no worker (last seen {status.heartbeat_at:%H:%M:%S})")
        elif not status.connected:
            found.append(f"{endpoint.name}: disconnected ({status.last_error or 'no error'})")
    return found


def configured() -> bool:
    """Whether any active endpoint has an active node (then /readyz checks OPC UA)."""
    return OpcUaEndpoint.objects.filter(active=True, nodes__active=True).exists()
