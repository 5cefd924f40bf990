"""Health endpoints for orchestrators and load balancers.

``/healthz`` (liveness) answers 200 whenever the process serves requests; it touches no
service, so a database outage does not make an orchestrator restart every web process.
``/readyz`` (readiness) checks what a request needs: the database, a channel-layer round
trip (send to a fresh channel, receive it back) and, when ``MQTT_URL`` is set, the MQTT
broker (TCP connect, MQTT CONNECT, CONNACK accepted) and, when OPC UA endpoints are
configured, their sessions (a worker holds each, connected). It answers 200 when every check
passes and 503 naming the failing checks otherwise. Both are JSON and need no login.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ingest.mqtt_wire import mqtt_connect_packet
from ingest.opcua import status as opcua_status

CHECK_TIMEOUT = 3.0
MQTT_DEFAULT_PORTS = {"mqtt": 1883, "tcp": 1883, "mqtts": 8883, "ssl": 8883}


class CheckError(Exception):
    """A readiness check failed; the message says why."""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one readiness check."""

    name: str
    ok: bool
    milliseconds: float
    error: str = ""

    def as_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        data: dict[str, object] = {"ok": self.ok, "ms": round(self.milliseconds, 1)}
        if self.error:
            data["error"] = self.error
        return data


def check_database() -> None:
    """Run ``SELECT 1`` on the default database."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        row = cursor.fetchone()
    if not row or row[0] != 1:
        raise CheckError("SELECT 1 returned no row")


def check_channel_layer() -> None:
    """Send a message to a fresh channel on the channel layer and receive it back."""
    layer = get_channel_layer()
    if layer is None:
        raise CheckError("no channel layer is configured")
    token = uuid.uuid4().hex

    async def round_trip() -> None:
        channel = await layer.new_channel("readyz.")
        await layer.send(channel, {"type": "readyz.ping", "token": token})
        message = await asyncio.wait_for(layer.receive(channel), CHECK_TIMEOUT)
        if message.get("token") != token:
            raise CheckError("the channel layer returned another message")

    async_to_sync(round_trip)()


def _read_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise CheckError("the broker closed the connection before CONNACK")
        data += chunk
    return data


def check_mqtt(url: str) -> None:
    """Connect to the broker at ``url`` (``mqtt://[user:pass@]host[:port]``) and expect an
    accepting CONNACK; then disconnect cleanly."""
    parts = urlsplit(url)
    scheme = parts.scheme or "mqtt"
    host = parts.hostname or "localhost"
    port = parts.port or MQTT_DEFAULT_PORTS.get(scheme, 1883)
    client_id = f"openspc-readyz-{uuid.uuid4().hex[:12]}"
    packet = mqtt_connect_packet(
        client_id, unquote(parts.username or ""), unquote(parts.password or "")
    )
    raw = socket.create_connection((host, port), timeout=CHECK_TIMEOUT)
    sock: socket.socket = raw
    try:
        if scheme in {"mqtts", "ssl"}:
            sock = ssl.create_default_context().wrap_socket(raw, server_hostname=host)
        sock.sendall(packet)
        connack = _read_exactly(sock, 4)
        if connack[0] != 0x20:
            raise CheckError(f"expected CONNACK, got packet type {connack[0] >> 4}")
        if connack[3] != 0:
            raise CheckError(f"the broker refused the connection (return code {connack[3]})")
        sock.sendall(b"\xe0\x00")  # DISCONNECT
    finally:
        sock.close()


def check_opcua() -> None:
    """Every active OPC UA endpoint is held by a live worker and connected."""
    problems = opcua_status.problems()
    if problems:
        raise CheckError("; ".join(problems))


def readiness_checks() -> dict[str, Callable[[], None]]:
    """The checks ``/readyz`` runs, by name (the broker only when ``MQTT_URL`` is set, OPC UA
    only when an active endpoint has active nodes)."""
    checks: dict[str, Callable[[], None]] = {
        "database": check_database,
        "channel_layer": check_channel_layer,
    }
    mqtt_url = getattr(settings, "MQTT_URL", "")
    if mqtt_url:
        checks["mqtt"] = lambda: check_mqtt(mqtt_url)
    try:
        if opcua_status.configured():
            checks["opcua"] = check_opcua
    except Exception:  # the database check reports an unreachable database
        pass
    return checks


def run_check(name: str, check: Callable[[], None]) -> CheckResult:
    """Run one check, turning any exception into a failed result with its message."""
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # a readiness probe reports every failure, never raises
        elapsed = (time.perf_counter() - started) * 1000
        return CheckResult(name, False, elapsed, f"{type(exc).__name__}: {exc}"[:300])
    return CheckResult(name, True, (time.perf_counter() - started) * 1000)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: 200 while the process answers; no service is touched."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when database, channel layer and broker answer, else 503 naming the
    failing checks."""
    results = [run_check(name, check) for name, check in readiness_checks().items()]
    failing = [r.name for r in results if not r.ok]
    body = {
        "status": "fail" if failing else "ok",
        "failing": failing,
        "checks": {r.name: r.as_dict() for r in results},
    }
    return JsonResponse(body, status=503 if failing else 200)
