"""Flood control on the live sockets: coalesced frames, the per-user cap, the heartbeat.

Same harness as ``test_consumers.py`` (the real ASGI application, the in-memory channel
layer, samples stored by the real pipeline whose after-commit events the consumer renders).
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import pytest
from channels.db import database_sync_to_async

from spc.live import consumers
from spc.live.coalesce import FrameBuffer
from spc.pipeline.processing import SubgroupInput, process_many
from spc.tests.test_consumers import TIMEOUT, communicator, run

pytestmark = pytest.mark.django_db(transaction=True)

BURST = 1000
BATCH = 50
PAGES = 8
WINDOW_S = 0.1


@pytest.fixture
def char(db: None) -> Any:
    from spc.tests.factories import CharacteristicFactory

    return CharacteristicFactory(name="Shaft OD", center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)


@pytest.fixture
def cookie_of(db: None) -> Any:
    from django.test import Client

    def cookie(user: Any) -> bytes:
        client = Client()  # one client per user: a second login would end the first session
        client.force_login(user)
        return f"sessionid={client.cookies['sessionid'].value}".encode()

    return cookie


@pytest.fixture(autouse=True)
def no_open_sockets() -> Any:
    consumers.open_sockets.clear()
    yield
    consumers.open_sockets.clear()


def burst_value(i: int) -> float:
    """In control but for every 40th sample, which breaks rule 1 (a new violation)."""
    return 20.0 if i % 40 == 39 else 10.0 + (i % 7 - 3) * 0.1


async def collect(ws: Any, expected: set[str], stats: dict[str, Any]) -> None:
    """Frames until every expected sample id has arrived as a chart point (or a card)."""
    pattern = re.compile(r'id="chart-point-(\d+)"')
    while not expected <= stats["points"]:
        frame = await ws.receive_from(timeout=TIMEOUT)
        stats["frames"] += 1
        stats["last"] = time.monotonic()
        found = pattern.findall(frame)
        stats["points"].update(found)
        stats["duplicates"] += len(found) - len(set(found))
        stats["cards"] = max(stats["cards"], frame.count('<article class="card"'))
        stats["toasts"] += frame.count('class="toast"')


def test_a_burst_of_1000_samples_reaches_8_pages_in_few_frames_and_loses_no_point(
    char, cookie_of, operator, engineer, settings
):
    settings.OPENSPC_LIVE_COALESCE_MS = int(WINDOW_S * 1000)
    cookies = [cookie_of(operator), cookie_of(engineer)]

    async def body() -> None:
        node = char.hierarchy_id
        pages = []
        for i in range(PAGES):  # two users, four pages each (under the cap of five)
            query = f"char={char.pk}" if i < PAGES // 2 else f"char={char.pk}&node={node}"
            ws = communicator(query, cookies[i % 2])
            assert (await ws.connect(timeout=TIMEOUT))[0]
            pages.append(ws)
        stats: list[dict[str, Any]] = [
            {"frames": 0, "points": set(), "duplicates": 0, "cards": 0, "toasts": 0, "last": 0.0}
            for _ in pages
        ]
        start = time.monotonic()
        stored: list[str] = []
        raised = 0
        for first in range(0, BURST, BATCH):
            items = [
                SubgroupInput(characteristic_id=char.pk, measurements=(burst_value(i),))
                for i in range(first, first + BATCH)
            ]
            results = await database_sync_to_async(process_many)(items)
            stored.extend(str(r.sample.pk) for r in results)
            raised += sum(len(r.violations) for r in results)
        stored_at = time.monotonic()
        expected = set(stored)
        await asyncio.gather(
            *(collect(ws, expected, s) for ws, s in zip(pages, stats, strict=True))
        )
        duration = max(s["last"] for s in stats) - start
        bound = duration / WINDOW_S + 3
        for s in stats:
            assert s["points"] == expected  # every sample reached every chart
            assert s["duplicates"] == 0
            assert s["frames"] <= bound, (s["frames"], duration)
            assert s["toasts"] == raised  # every new violation still reaches the toasts
        assert all(s["cards"] <= 1 for s in stats)  # superseded cards collapsed
        for ws in pages:
            assert await ws.receive_nothing(timeout=0.3)
            await ws.disconnect()
        print(
            f"\nburst of {BURST} samples, {PAGES} pages: stored in {stored_at - start:.2f} s, "
            f"last frame after {duration:.2f} s; {raised} violations; frames per page "
            f"{sorted(s['frames'] for s in stats)} (bound {bound:.0f})"
        )

    run(body)


def test_a_sixth_page_of_one_user_is_told_why_and_closed(char, cookie_of, operator, settings):
    settings.OPENSPC_LIVE_CONNECTIONS_PER_USER = 5
    cookie = cookie_of(operator)

    async def body() -> None:
        pages = [communicator(f"char={char.pk}", cookie) for _ in range(5)]
        for ws in pages:
            assert (await ws.connect(timeout=TIMEOUT))[0]
        extra = communicator(f"char={char.pk}", cookie)
        assert (await extra.connect(timeout=TIMEOUT))[0]
        notice = await extra.receive_json_from(timeout=TIMEOUT)
        assert notice["type"] == "refused"
        assert notice["reason"] == "too_many_pages"
        assert "5 pages with live updates open" in notice["message"]
        closed = await extra.receive_output(timeout=TIMEOUT)
        assert closed == {"type": "websocket.close", "code": consumers.CLOSE_TOO_MANY}
        await extra.disconnect()
        # Closing one page frees a place.
        await pages[0].disconnect()
        again = communicator(f"char={char.pk}", cookie)
        assert (await again.connect(timeout=TIMEOUT))[0]
        assert await again.receive_nothing(timeout=0.2)
        for ws in [*pages[1:], again]:
            await ws.disconnect()

    run(body)


def test_a_socket_that_misses_its_heartbeat_is_closed(char, cookie_of, operator, settings):
    settings.OPENSPC_LIVE_HEARTBEAT_SECONDS = 0.2  # closed after 2.5 x 0.2 = 0.5 s of silence
    cookie = cookie_of(operator)

    async def body() -> None:
        pinging = communicator(f"char={char.pk}", cookie)
        silent = communicator(f"char={char.pk}", cookie)
        assert (await pinging.connect(timeout=TIMEOUT))[0]
        assert (await silent.connect(timeout=TIMEOUT))[0]
        started = time.monotonic()
        # The silent socket's close is the event awaited; the other pings meanwhile.
        closing = asyncio.ensure_future(silent.receive_output(timeout=TIMEOUT))
        while not closing.done():
            await pinging.send_json_to({"type": "ping"})
            assert await pinging.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}
            await asyncio.wait({closing}, timeout=0.15)
        assert closing.result() == {"type": "websocket.close", "code": consumers.CLOSE_STALE}
        assert 0.45 <= time.monotonic() - started < 2.0
        # The pinging page outlived the silent one's timeout and is still open.
        await pinging.send_json_to({"type": "ping"})
        assert await pinging.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}
        await silent.disconnect()
        await pinging.disconnect()
        assert consumers.open_sockets[operator.pk] == 0

    run(body)


def test_a_frame_keeps_the_newest_replacement_and_every_insertion() -> None:
    buffer = FrameBuffer()
    for n in (1, 2, 3):
        buffer.add(
            f'<article class="card" id="card-7" hx-swap-oob="true"><b>{n}</b><br></article>'
            f'<div id="chart-feed-7" hx-swap-oob="beforeend"><div id="chart-point-{n}"></div></div>'
            f'<div hx-swap-oob="afterbegin:#violation-rows-7"><li id="violation-{n}"></li></div>'
        )
    frame = buffer.take()
    assert frame.count('id="card-7"') == 1
    assert "<b>3</b>" in frame
    assert re.findall(r"chart-point-(\d)", frame) == ["1", "2", "3"]
    # afterbegin: the newest row ends on top, as three separate swaps would leave it
    assert re.findall(r"violation-(\d)", frame) == ["3", "2", "1"]
    assert frame.count("hx-swap-oob") == 3
    assert buffer.take() == ""
