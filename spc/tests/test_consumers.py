"""The live consumer end to end in one process: session auth, groups, fragments, catch-up.

Each test drives the real ASGI application (origin check, session middleware, router) with
``WebsocketCommunicator`` on the in-memory channel layer, and stores samples with the real
pipeline, whose after-commit event is what the consumer renders.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from alerts.services import acknowledge
from alerts.tests.factories import ReasonCodeFactory
from openspc.asgi import application
from spc.models import Sample
from spc.pipeline import limit_changes as services
from spc.pipeline.processing import SubgroupInput, process
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db(transaction=True)
TIMEOUT = 5


def run(test: Callable[[], Awaitable[None]]) -> None:
    """Run an async test body on a fresh loop with a fresh in-memory channel layer."""
    channel_layers.backends.clear()
    asyncio.run(test())


@pytest.fixture
def char(db: None) -> Any:
    return CharacteristicFactory(name="Bore", center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)


@pytest.fixture
def session_cookie(client: Any, operator: Any) -> bytes:
    client.force_login(operator)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def communicator(query: str, cookie: bytes | None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, f"/ws/live/?{query}", headers=headers)


async def store(char: Any, *values: float, operator: str = "") -> Any:
    result = None
    for value in values:
        result = await database_sync_to_async(process)(
            SubgroupInput(characteristic_id=char.pk, measurements=(value,), operator=operator)
        )
    return result


def oob_ids(html: str) -> list[str]:
    """Ids (or targets) of the out-of-band roots in a frame, in order."""
    out = []
    for tag in re.findall(r"<[^>]*hx-swap-oob=\"[^\"]*\"[^>]*>", html):
        spec = re.search(r'hx-swap-oob="([^"]*)"', tag).group(1)
        if ":" in spec:
            out.append(spec.split(":", 1)[1])
        else:
            out.append("#" + re.search(r'id="([^"]*)"', tag).group(1))
    return out


def test_a_socket_without_a_session_is_refused(char):
    async def body() -> None:
        ws = communicator(f"char={char.pk}", None)
        connected, code = await ws.connect(timeout=TIMEOUT)
        assert not connected
        assert code == 4401

    run(body)


def test_chart_page_receives_point_status_violation_row_and_toast(char, session_cookie):
    async def body() -> None:
        ws = communicator(f"char={char.pk}", session_cookie)
        connected, _ = await ws.connect(timeout=TIMEOUT)
        assert connected
        result = await store(char, 20.0)
        html = await ws.receive_from(timeout=TIMEOUT)
        sample_id = result.sample.pk
        ids = oob_ids(html)
        assert f"#chart-feed-{char.pk}" in ids
        assert f"#char-status-{char.pk}" in ids
        assert f"#violation-rows-{char.pk}" in ids
        assert "#toasts" in ids
        assert f'id="chart-point-{sample_id}"' in html
        extension = json.loads(
            re.search(r'data-extension="([^"]*)"', html).group(1).replace("&quot;", '"')
        )
        assert extension["value"]["y"] == [20.0]
        assert extension["viol_crit"]["customdata"] == [sample_id]
        assert 'data-state="CRITICAL"' in html
        assert await ws.receive_nothing(timeout=0.2)
        await ws.disconnect()

    run(body)


def test_dashboard_receives_the_card_of_a_characteristic_below_its_node(char, session_cookie):
    async def body() -> None:
        line = char.hierarchy.parent_id
        ws = communicator(f"node={line}", session_cookie)
        assert (await ws.connect(timeout=TIMEOUT))[0]
        result = await store(char, 10.5)
        html = await ws.receive_from(timeout=TIMEOUT)
        assert oob_ids(html) == [f"#card-{char.pk}"]
        assert f'data-sample-id="{result.sample.pk}"' in html
        assert 'id="card-state-' in html
        assert 'data-state="IN_CONTROL"' in html
        await ws.disconnect()

    run(body)


def test_events_of_other_characteristics_do_not_reach_a_chart_page(char, session_cookie):
    other = CharacteristicFactory(name="Other")

    async def body() -> None:
        ws = communicator(f"char={char.pk}", session_cookie)
        assert (await ws.connect(timeout=TIMEOUT))[0]
        await store(other, 50.0)
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run(body)


def test_an_event_reaching_the_page_through_two_groups_is_sent_once(char, session_cookie):
    async def body() -> None:
        area = char.hierarchy_id
        ws = communicator(f"char={char.pk}&area={area}", session_cookie)
        assert (await ws.connect(timeout=TIMEOUT))[0]
        await store(char, 10.0)
        await ws.receive_from(timeout=TIMEOUT)
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run(body)


def test_acknowledgement_updates_rows_and_badges_live(char, session_cookie, operator):
    ReasonCodeFactory(code="tool-wear")

    async def body() -> None:
        result = await store(char, 20.0)
        ws = communicator(f"char={char.pk}&node={char.hierarchy_id}", session_cookie)
        assert (await ws.connect(timeout=TIMEOUT))[0]
        ids = [v.pk for v in result.violations]
        await database_sync_to_async(acknowledge)(ids, user=operator, reason_code="tool-wear")
        html = await ws.receive_from(timeout=TIMEOUT)
        found = oob_ids(html)
        for pk in ids:
            assert f"#violation-ack-{pk}" in found
        assert f"#card-state-{char.pk}" in found
        assert f"#char-state-{char.pk}" in found
        assert "by olga" in html
        assert 'data-state="IN_CONTROL"' in html
        await ws.disconnect()

    run(body)


def test_excluding_a_sample_tells_the_chart_page_to_reload(char, session_cookie, operator):
    async def body() -> None:
        result = await store(char, 10.0)
        ws = communicator(f"char={char.pk}", session_cookie)
        assert (await ws.connect(timeout=TIMEOUT))[0]
        await database_sync_to_async(services.set_excluded)(
            result.sample, True, reason="gauge dropped", user=operator
        )
        html = await ws.receive_from(timeout=TIMEOUT)
        assert 'class="chart-reload"' in html
        assert oob_ids(html) == [f"#chart-feed-{char.pk}"]
        await ws.disconnect()

    run(body)


def test_ping_is_answered_with_pong(char, session_cookie):
    async def body() -> None:
        ws = communicator(f"char={char.pk}", session_cookie)
        assert (await ws.connect(timeout=TIMEOUT))[0]
        await ws.send_json_to({"type": "ping"})
        assert await ws.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}
        await ws.disconnect()

    run(body)


def test_catch_up_sends_the_samples_stored_after_the_last_one_seen(char, session_cookie):
    async def body() -> None:
        first = await store(char, 10.0)
        second = await store(char, 11.0)
        third = await store(char, 20.0)
        ws = communicator(f"char={char.pk}", session_cookie)
        assert (await ws.connect(timeout=TIMEOUT))[0]
        await ws.send_json_to({"type": "catch_up", "last_sample_id": first.sample.pk})
        # The replay is coalesced into one frame, the points in the order they were stored.
        frame = await ws.receive_from(timeout=TIMEOUT)
        points = re.findall(r'id="chart-point-(\d+)"', frame)
        assert points == [str(second.sample.pk), str(third.sample.pk)]
        assert "#toasts" in oob_ids(frame)
        assert await ws.receive_nothing(timeout=0.3)
        # A live event for a sample already replayed is not sent again.
        await ws.send_json_to({"type": "catch_up", "last_sample_id": first.sample.pk})
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run(body)


def test_catch_up_for_a_dashboard_covers_the_node_subtree(char, session_cookie):
    async def body() -> None:
        await store(char, 10.0)
        ws = communicator(f"node={char.hierarchy.parent_id}", session_cookie)
        assert (await ws.connect(timeout=TIMEOUT))[0]
        await ws.send_json_to({"type": "catch_up", "last_sample_id": 0})
        html = await ws.receive_from(timeout=TIMEOUT)
        assert oob_ids(html) == [f"#card-{char.pk}"]
        await ws.disconnect()

    run(body)


def test_garbage_from_the_client_is_ignored(char, session_cookie):
    async def body() -> None:
        ws = communicator(f"char={char.pk}", session_cookie)
        assert (await ws.connect(timeout=TIMEOUT))[0]
        await ws.send_to(text_data="not json")
        await ws.send_json_to([1, 2])
        await ws.send_json_to({"type": "catch_up", "last_sample_id": "x"})
        await ws.send_json_to({"type": "ping"})
        assert await ws.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}
        assert await database_sync_to_async(Sample.objects.count)() == 0
        await ws.disconnect()

    run(body)


def _overdue_now(char: Any) -> Any:
    """A moment just after ``char`` (10-minute interval, no samples) turned overdue."""
    from datetime import timedelta

    from spc.jobs.overdue import status

    char.sampling_interval_minutes = 10
    char.save(update_fields=["sampling_interval_minutes"])
    overdue_at = status(char, now=char.created_at).overdue_at
    assert overdue_at is not None
    return overdue_at + timedelta(seconds=1)


def test_overdue_sampling_sends_the_card_badge_and_a_toast_to_a_dashboard(char, session_cookie):
    from spc.jobs.overdue import check_overdue

    now = _overdue_now(char)

    async def body() -> None:
        ws = communicator(f"node={char.hierarchy.parent_id}", session_cookie)
        assert (await ws.connect(timeout=TIMEOUT))[0]
        assert await database_sync_to_async(check_overdue)(now) == [char.pk]
        html = await ws.receive_from(timeout=TIMEOUT)
        assert oob_ids(html) == [f"#card-sampling-{char.pk}", "#toasts"]
        assert 'data-sampling="OVERDUE"' in html
        assert "Bore</a> is overdue for sampling since" in html
        assert await ws.receive_nothing(timeout=0.2)
        await ws.disconnect()

    run(body)


def test_overdue_sampling_reaches_the_chart_page_once_through_two_groups(char, session_cookie):
    from spc.jobs.overdue import check_overdue

    now = _overdue_now(char)

    async def body() -> None:
        ws = communicator(f"char={char.pk}&area={char.hierarchy_id}", session_cookie)
        assert (await ws.connect(timeout=TIMEOUT))[0]
        await database_sync_to_async(check_overdue)(now)
        html = await ws.receive_from(timeout=TIMEOUT)
        assert oob_ids(html) == [f"#char-sampling-{char.pk}", "#toasts"]
        assert ">Overdue</span>" in html
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run(body)


def test_an_accepted_socket_counts_as_one_websocket_client_until_it_closes(char, session_cookie):
    from openspc.metrics import WEBSOCKET_CLIENTS

    def clients() -> float:
        return WEBSOCKET_CLIENTS._value.get()

    async def body() -> None:
        start = clients()
        refused = communicator(f"char={char.pk}", None)
        assert not (await refused.connect(timeout=TIMEOUT))[0]
        assert clients() == start
        ws = communicator(f"char={char.pk}", session_cookie)
        assert (await ws.connect(timeout=TIMEOUT))[0]
        assert clients() == start + 1
        await ws.disconnect()
        assert clients() == start

    run(body)


def test_a_new_sample_clears_the_overdue_badge_on_the_chart_page(char, session_cookie):
    async def body() -> None:
        ws = communicator(f"char={char.pk}", session_cookie)
        assert (await ws.connect(timeout=TIMEOUT))[0]
        await store(char, 10.0)
        html = await ws.receive_from(timeout=TIMEOUT)
        badge = re.search(r'<span id="char-sampling-[^>]*>', html).group(0)
        assert f'id="char-sampling-{char.pk}"' in badge
        assert "hidden" in badge
        await ws.disconnect()

    run(body)


def test_the_live_consumer_handles_every_event_type_the_senders_list() -> None:
    from spc.live.consumers import LiveConsumer
    from spc.pipeline import events

    handlers = {
        t
        for t in events.LIVE_EVENT_TYPES
        if callable(getattr(LiveConsumer, t.replace(".", "_"), None))
    }
    assert handlers == events.LIVE_EVENT_TYPES
    assert events.SAMPLING_OVERDUE in events.LIVE_EVENT_TYPES
