"""OPC UA ingest against a real asyncua server in this process: values become samples with
the server's source timestamps; a server restart mid-stream loses nothing the server still
holds and doubles nothing; Bad-status and non-numeric values are dead letters."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from ingest.models import DeadLetter, IngestCounter, OpcUaEndpoint, OpcUaNode, OpcUaStatus
from ingest.opcua import status
from ingest.opcua.worker import OpcUaOptions, OpcUaWorker
from ingest.tests.opcua_server import OpcServer, data_value
from spc.models import Characteristic, Sample
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db

BAD_DEVICE_FAILURE = 0x808B0000
T0 = datetime(2026, 12, 6, 6, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[OpcServer]:
    opc = OpcServer(["Diameter", "Force", "Label"], strings=("Label",))
    for name in opc.names:  # a device's values before anyone subscribed
        opc.held[name] = data_value(0.0, T0 - timedelta(hours=1), BAD_DEVICE_FAILURE)
    opc.start()
    yield opc
    opc.close()


@pytest.fixture
def chars(server: OpcServer) -> dict[str, Characteristic]:
    endpoint = OpcUaEndpoint.objects.create(
        name="press-1", url=server.url, publishing_interval_ms=50
    )
    made = {
        "Diameter": CharacteristicFactory.create(name="Diameter"),
        "Force": CharacteristicFactory.create(name="Force", chart_type="XBAR_R", subgroup_size=2),
    }
    for name, char in made.items():
        OpcUaNode.objects.create(
            endpoint=endpoint, node_id=server.node_id(name), characteristic=char
        )
    made["Label"] = CharacteristicFactory.create(name="Label")
    OpcUaNode.objects.create(
        endpoint=endpoint, node_id=server.node_id("Label"), characteristic=made["Label"]
    )
    return made


@pytest.fixture
def make_worker() -> Iterator[Callable[[], OpcUaWorker]]:
    workers: list[OpcUaWorker] = []

    def build() -> OpcUaWorker:
        worker = OpcUaWorker(OpcUaOptions(linger=0.01, reload_interval=3600, backoff=(0.1, 0.5)))
        worker.start()
        workers.append(worker)
        return worker

    yield build
    for worker in workers:
        worker.shutdown()


def drive(worker: OpcUaWorker, condition: Callable[[], Any], timeout: float = 10.0) -> None:
    """Step the worker until ``condition()`` holds."""
    deadline = datetime.now().timestamp() + timeout
    while datetime.now().timestamp() < deadline:
        worker.step(timeout=0.05)
        if condition():
            return
    raise AssertionError("condition not reached")


def stored(char: Characteristic) -> list[tuple[datetime, float]]:
    rows = Sample.objects.filter(characteristic=char).order_by("timestamp", "id")
    return [(s.timestamp, s.value) for s in rows]


def connected() -> bool:
    return OpcUaStatus.objects.filter(connected=True).exists()


def test_values_arrive_as_samples_with_the_source_timestamps(server, chars, make_worker):
    worker = make_worker()
    drive(worker, connected)
    for i in range(5):
        server.write("Diameter", 10.0 + i, T0 + timedelta(seconds=i))
    for i in range(4):  # n = 2: two subgroups
        server.write("Force", 100.0 + i, T0 + timedelta(seconds=10 + i))
    drive(worker, lambda: len(stored(chars["Diameter"])) == 5 and len(stored(chars["Force"])) == 2)
    assert stored(chars["Diameter"]) == [(T0 + timedelta(seconds=i), 10.0 + i) for i in range(5)]
    # A subgroup's time is its last reading's source time; its value the mean.
    assert stored(chars["Force"]) == [
        (T0 + timedelta(seconds=11), 100.5),
        (T0 + timedelta(seconds=13), 102.5),
    ]
    # Direct (n = 1) and buffered (n = 2) subgroups alike are stored as OPC UA samples.
    sources = set(
        Sample.objects.filter(characteristic__in=chars.values()).values_list("source", flat=True)
    )
    assert sources == {"OPCUA"}
    state = OpcUaStatus.objects.get()
    assert state.connected
    assert state.values >= 9
    assert "Force" in state.last_value or "Diameter" in state.last_value


def test_a_server_restart_mid_stream_loses_and_doubles_nothing(server, chars, make_worker):
    worker = make_worker()
    drive(worker, connected)
    diameter, force = chars["Diameter"], chars["Force"]
    for i in range(3):
        server.write("Diameter", 10.0 + i, T0 + timedelta(seconds=i))
    server.write("Force", 100.0, T0 + timedelta(seconds=20))  # half a subgroup
    drive(worker, lambda: len(stored(diameter)) == 3)
    server.stop()
    drive(worker, lambda: not connected())
    server.start()  # it still holds the last values (Diameter 12.0, Force 100.0)
    drive(worker, connected)
    for i in range(3, 6):
        server.write("Diameter", 10.0 + i, T0 + timedelta(seconds=i))
    server.write("Force", 102.0, T0 + timedelta(seconds=21))
    drive(worker, lambda: len(stored(diameter)) == 6 and len(stored(force)) == 1)
    worker.step(timeout=0.3)  # anything late would show now
    assert stored(diameter) == [(T0 + timedelta(seconds=i), 10.0 + i) for i in range(6)]
    assert stored(force) == [(T0 + timedelta(seconds=21), 101.0)]
    assert IngestCounter.objects.get(name="redelivered").value >= 2  # the held values again
    assert OpcUaStatus.objects.get().reconnects == 1
    # A worker restart: the new session's first notifications are stored values again.
    worker.shutdown()
    second = make_worker()
    drive(second, connected)
    second.step(timeout=0.5)
    assert len(stored(diameter)) == 6
    assert len(stored(force)) == 1


def test_bad_status_and_wrong_types_are_dead_letters(server, chars, make_worker):
    worker = make_worker()
    drive(worker, connected)
    drive(worker, lambda: DeadLetter.objects.filter(reason="opcua_bad_status").count() == 3)
    DeadLetter.objects.all().delete()  # the initial Bad values of the three nodes
    server.write("Diameter", 10.0, T0, BAD_DEVICE_FAILURE)
    server.write("Label", "OK", T0 + timedelta(seconds=1))
    server.write("Diameter", 11.0, T0 + timedelta(seconds=2))
    drive(worker, lambda: len(stored(chars["Diameter"])) == 1 and DeadLetter.objects.count() == 2)
    bad = DeadLetter.objects.get(reason="opcua_bad_status")
    assert bad.topic == f"opcua/press-1/{server.node_id('Diameter')}"
    assert "BadDeviceFailure" in bad.detail
    wrong = DeadLetter.objects.get(reason="opcua_wrong_type")
    assert "'OK'" in wrong.detail
    assert b'"OK"' in bytes(wrong.payload)
    assert IngestCounter.objects.get(name="dead_letter.opcua_bad_status").value == 4
    assert IngestCounter.objects.get(name="dead_letter.opcua_wrong_type").value == 1
    assert stored(chars["Diameter"]) == [(T0 + timedelta(seconds=2), 11.0)]


def test_readyz_reports_the_endpoint(server, chars, make_worker):
    client = Client()
    body = client.get("/readyz").json()
    assert body["checks"]["opcua"]["ok"] is False
    assert "no worker has connected yet" in body["checks"]["opcua"]["error"]
    worker = make_worker()
    drive(worker, connected)
    body = client.get("/readyz").json()
    assert body["checks"]["opcua"] == {"ok": True, "ms": body["checks"]["opcua"]["ms"]}
    server.stop()
    drive(worker, lambda: not connected())
    assert "press-1: disconnected" in "; ".join(status.problems())


def test_admin_shows_the_endpoint_with_its_nodes_and_status(server, chars, make_worker, engineer):
    worker = make_worker()
    drive(worker, connected)
    server.write("Diameter", 10.0, T0)
    drive(worker, lambda: len(stored(chars["Diameter"])) == 1)
    client = Client()
    client.force_login(engineer)
    endpoint = OpcUaEndpoint.objects.get()
    listing = client.get("/admin/ingest/opcuaendpoint/").content.decode()
    assert "press-1" in listing
    assert "ns=2;s=Diameter = 10.0 (Good)" in listing
    page = client.get(f"/admin/ingest/opcuaendpoint/{endpoint.pk}/change/")
    assert page.status_code == 200
    assert server.node_id("Force") in page.content.decode()
    assert client.get("/admin/ingest/opcuanode/").status_code == 200


def test_an_unreachable_endpoint_is_reported_and_retried(make_worker):
    from ingest.tests.opcua_server import free_port

    endpoint = OpcUaEndpoint.objects.create(name="down", url=f"opc.tcp://127.0.0.1:{free_port()}/")
    OpcUaNode.objects.create(
        endpoint=endpoint, node_id="ns=2;s=X", characteristic=CharacteristicFactory.create()
    )
    worker = make_worker()
    drive(worker, lambda: OpcUaStatus.objects.filter(errors__gte=3).exists())
    state = OpcUaStatus.objects.get()
    assert not state.connected
    assert "refused" in state.last_error.lower()
    assert status.problems() == [f"down: disconnected ({state.last_error})"]


def test_a_user_and_password_are_sent_and_a_wrong_one_is_reported(make_worker):
    opc = OpcServer(["Diameter"], users={"plant": "s3cret"})
    opc.held["Diameter"] = data_value(10.0, T0)
    opc.start()
    try:
        char = CharacteristicFactory.create()
        good = OpcUaEndpoint.objects.create(
            name="with-user", url=opc.url, username="plant", password="s3cret"
        )
        OpcUaNode.objects.create(
            endpoint=good, node_id=opc.node_id("Diameter"), characteristic=char
        )
        wrong = OpcUaEndpoint.objects.create(
            name="wrong-password", url=opc.url, username="plant", password="guess"
        )
        OpcUaNode.objects.create(
            endpoint=wrong,
            node_id=opc.node_id("Diameter"),
            characteristic=CharacteristicFactory.create(),
        )
        worker = make_worker()
        drive(
            worker,
            lambda: (
                len(stored(char)) == 1
                and OpcUaStatus.objects.filter(endpoint=wrong, errors__gte=1).exists()
            ),
        )
        assert stored(char) == [(T0, 10.0)]
        refused = OpcUaStatus.objects.get(endpoint=wrong)
        assert not refused.connected
        assert "BadUserAccessDenied" in refused.last_error, refused.last_error
    finally:
        opc.close()
