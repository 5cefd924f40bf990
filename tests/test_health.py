"""Liveness and readiness endpoints: JSON, no login, 503 naming the failing check."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from django.db import connections
from django.test import Client, override_settings

from conftest import require_service
from openspc import health


@pytest.fixture
def client() -> Client:
    return Client()


def test_healthz_answers_ok_without_login_or_database(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_refuses_post(client: Client) -> None:
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
@override_settings(MQTT_URL="")
def test_readyz_is_ok_when_database_and_channel_layer_answer(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert set(body["checks"]) == {"database", "channel_layer"}
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.django_db
@override_settings(MQTT_URL="")
def test_readyz_names_a_failing_database(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_cursor(*args: object, **kwargs: object) -> None:
        raise ConnectionError("connection refused")

    monkeypatch.setattr(connections["default"], "cursor", broken_cursor)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database"]
    assert "connection refused" in body["checks"]["database"]["error"]
    assert body["checks"]["channel_layer"]["ok"] is True


@pytest.mark.django_db
@override_settings(MQTT_URL="")
def test_readyz_names_a_channel_layer_that_loses_messages(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    class DeafLayer:
        async def new_channel(self, prefix: str = "") -> str:
            return prefix + "x"

        async def send(self, channel: str, message: dict[str, object]) -> None:
            return None

        async def receive(self, channel: str) -> dict[str, object]:
            return {"type": "readyz.ping", "token": "somebody else's"}

    monkeypatch.setattr(health, "get_channel_layer", lambda: DeafLayer())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["channel_layer"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.django_db
def test_readyz_names_an_unreachable_broker(client: Client) -> None:
    with override_settings(MQTT_URL=f"mqtt://127.0.0.1:{_free_port()}"):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["mqtt"]
    assert body["checks"]["database"]["ok"] is True


@pytest.fixture
def refusing_broker() -> Iterator[str]:
    """A fake broker answering every CONNECT with CONNACK 'not authorised' (code 5)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    received: list[bytes] = []

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            received.append(conn.recv(1024))
            conn.sendall(b"\x20\x02\x00\x05")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"mqtt://user:secret@127.0.0.1:{server.getsockname()[1]}"
    thread.join(timeout=5)
    server.close()
    assert received
    assert received[0][0] == 0x10  # the check sent a CONNECT packet


@pytest.mark.django_db
def test_readyz_reports_a_broker_that_refuses_the_connection(
    client: Client, refusing_broker: str
) -> None:
    with override_settings(MQTT_URL=refusing_broker):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert "return code 5" in response.json()["checks"]["mqtt"]["error"]


def test_connect_packet_carries_client_id_and_credentials() -> None:
    packet = health.mqtt_connect_packet("cid", "user", "pw")
    assert packet[0] == 0x10
    assert packet[1] == len(packet) - 2
    assert packet[2:8] == b"\x00\x04MQTT"
    assert packet[8] == 4  # protocol level 3.1.1
    assert packet[9] == 0x80 | 0x40 | 0x02  # username, password, clean session
    assert packet.endswith(b"\x00\x03cid\x00\x04user\x00\x02pw")


@pytest.mark.services
@pytest.mark.django_db
def test_readyz_checks_the_real_broker(client: Client) -> None:
    require_service(1883, "mosquitto")
    with override_settings(MQTT_URL="mqtt://127.0.0.1:1883"):
        response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["mqtt"]["ok"] is True
