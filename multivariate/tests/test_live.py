"""The group page's socket: session auth, scope, the pipeline's commit pushing a new T²
point (chart extension, table row, signal) and catch-up after a reconnect."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from multivariate.models import T2Point
from multivariate.services import calculate_limits
from multivariate.tests.factories import T0, group_of, store_rows
from openspc.asgi import application
from spc.tests.test_hotelling import BOILER

pytestmark = pytest.mark.django_db(transaction=True)
TIMEOUT = 5


def run(body: Any) -> None:
    channel_layers.backends.clear()
    asyncio.run(body())


def communicator(query: str, cookie: bytes | None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, f"/ws/multivariate/?{query}", headers=headers)


@pytest.fixture
def boiler() -> Any:
    group = group_of([f"t{i}" for i in range(1, 9)], alpha=0.001, phase=2)
    store_rows(group, BOILER)
    calculate_limits(group)
    return group


@pytest.fixture
def cookie(client: Any, operator: Any) -> bytes:
    client.force_login(operator)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def test_a_socket_without_a_session_is_refused(boiler):
    async def body() -> None:
        ws = communicator(f"group={boiler.pk}", None)
        connected, code = await ws.connect(timeout=TIMEOUT)
        assert not connected
        assert code == 4401

    run(body)


def test_a_new_observation_reaches_the_open_page_with_its_signal(boiler, cookie):
    shifted: list[float] = list(BOILER[0])
    shifted[1] += 25.0

    async def body() -> None:
        ws = communicator(f"group={boiler.pk}", cookie)
        connected, _ = await ws.connect(timeout=TIMEOUT)
        assert connected
        await ws.send_to(text_data=json.dumps({"type": "ping"}))
        assert json.loads(await ws.receive_from(timeout=TIMEOUT)) == {"type": "pong"}
        stamp = T0 + timedelta(days=1)
        await database_sync_to_async(store_rows)(boiler, [shifted], start=stamp)
        row = await ws.receive_from(timeout=TIMEOUT)
        assert row.startswith(f'<tbody id="t2-rows-{boiler.pk}" hx-swap-oob="afterbegin">')
        frame = await ws.receive_from(timeout=TIMEOUT)
        point = await database_sync_to_async(T2Point.objects.get)(group=boiler, timestamp=stamp)
        assert f'id="t2-point-{point.pk}"' in frame
        assert f'id="t2-row-{point.pk}"' in row
        assert f'id="t2-signal-{boiler.pk}"' in frame
        assert "t2" in frame.split("Top contributors:")[1]
        extension = json.loads(
            frame.split('data-extension="')[1].split('"')[0].replace("&quot;", '"')
        )
        assert extension["value"]["y"] == [pytest.approx(point.t2)]
        await ws.send_to(text_data=json.dumps({"type": "catch_up", "last_sample_id": point.pk - 1}))
        assert f'id="t2-row-{point.pk}"' in await ws.receive_from(timeout=TIMEOUT)
        assert f'id="t2-point-{point.pk}"' in await ws.receive_from(timeout=TIMEOUT)
        await ws.disconnect()

    run(body)
