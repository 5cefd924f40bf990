"""The pooled ASGI handler: every request's synchronous code on one of a fixed set of
long-lived threads, with its database connection kept between requests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.testing import ApplicationCommunicator
from django.db import connection, connections
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import path

from openspc.pooled_asgi import PooledThreadsASGIHandler
from spc.reports.streaming import attachment


class Gate:
    """Views that hold their thread until released, counting how many run at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active = 0
        self.most = 0
        self.two_inside = threading.Event()
        self.release = threading.Event()

    def hold(self) -> None:
        with self.lock:
            self.active += 1
            self.most = max(self.most, self.active)
            if self.active == 2:
                self.two_inside.set()
        self.release.wait(10)
        with self.lock:
            self.active -= 1


gate = Gate()


#: The driver connections the view used, kept alive so that identity means reuse.
connections_seen: list[Any] = []


def where(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    connections_seen.append(connection.connection)
    return JsonResponse({"thread": threading.current_thread().name})


def held(request: HttpRequest) -> HttpResponse:
    gate.hold()
    return HttpResponse(threading.current_thread().name)


def streamed(request: HttpRequest) -> StreamingHttpResponse:
    view_thread = threading.current_thread().name

    def chunks() -> Iterator[str]:
        for _ in range(3):
            yield f"{view_thread}>{threading.current_thread().name}\n"

    return attachment(chunks(), filename="t.txt", content_type="text/plain", asgi=True)


urlpatterns = [path("where", where), path("held", held), path("streamed", streamed)]


@pytest.fixture
def handler() -> Iterator[PooledThreadsASGIHandler]:
    app = PooledThreadsASGIHandler(threads=2)
    yield app
    app.shutdown()


async def _get(app: Any, url: str) -> dict[str, Any]:
    """Status and whole body of a GET (the last body message may carry no body)."""
    scope = {
        "type": "http", "http_version": "1.1", "method": "GET", "path": url,
        "query_string": b"", "headers": [(b"host", b"localhost")],
    }  # fmt: skip
    communicator = ApplicationCommunicator(app, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(10)
    body = b""
    while True:
        message = await communicator.receive_output(10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            return {"status": start["status"], "body": body}


@pytest.mark.urls(__name__)
@pytest.mark.django_db(transaction=True)
def test_sequential_requests_reuse_one_thread_and_its_database_connection(handler, monkeypatch):
    # Tells reuse from reconnecting on PostgreSQL (CI); Django never closes SQLite's
    # in-memory test database, so there the connection is the same either way.
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 60)

    async def two() -> list[dict[str, Any]]:
        return [await _get(handler, "/where") for _ in range(2)]

    connections_seen.clear()
    first, second = asyncio.run(two())
    assert first["status"] == second["status"] == 200
    assert first["body"] == second["body"]
    assert len(connections_seen) == 2
    assert connections_seen[0] is connections_seen[1]
    assert b'"thread": "http-0' in first["body"]
    assert threading.current_thread().name not in first["body"].decode()


@pytest.mark.urls(__name__)
def test_no_more_requests_run_at_once_than_there_are_threads(handler):
    global gate
    gate = Gate()
    responses = asyncio.run(_three_held(handler))
    assert [r["status"] for r in responses] == [200, 200, 200]
    assert gate.most == 2
    assert {r["body"] for r in responses} <= {b"http-0_0", b"http-1_0"}


async def _three_held(handler: PooledThreadsASGIHandler) -> list[dict[str, Any]]:
    """Three requests to a view that holds its thread: two get in, the third waits."""
    requests = [asyncio.create_task(_get(handler, "/held")) for _ in range(3)]
    assert await asyncio.to_thread(gate.two_inside.wait, 10)
    deadline = asyncio.get_running_loop().time() + 10
    while handler.waiting != 1 and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0)  # the third request reaches the pool's queue
    assert handler.waiting == 1
    assert gate.active == 2
    gate.release.set()
    return list(await asyncio.gather(*requests))


@pytest.mark.urls(__name__)
def test_a_streamed_response_is_produced_on_its_requests_thread(handler):
    response = asyncio.run(_get(handler, "/streamed"))
    assert response["status"] == 200
    lines = response["body"].decode().splitlines()
    assert len(lines) == 3
    for line in lines:
        view_thread, chunk_thread = line.split(">")
        assert view_thread == chunk_thread
        assert view_thread.startswith("http-")


def test_at_least_one_thread():
    with pytest.raises(ValueError, match="at least 1"):
        PooledThreadsASGIHandler(threads=0)
