"""Sending live events: only to groups somebody watches, in order, bounded when slow.

Against the real Redis on 127.0.0.1:6379 (database 13, flushed by the test).
"""

from __future__ import annotations

import asyncio
import secrets

import pytest
from channels_redis.core import RedisChannelLayer

from conftest import require_service
from spc.pipeline import events

REDIS = "redis://127.0.0.1:6379/13"


@pytest.fixture
def layer() -> RedisChannelLayer:
    require_service(6379, "Redis")
    return RedisChannelLayer(hosts=[REDIS], prefix=f"test{secrets.token_hex(4)}")


def test_only_groups_with_members_are_reported(layer: RedisChannelLayer) -> None:
    async def run() -> set[str] | None:
        channel = await layer.new_channel()
        await layer.group_add("char.1", channel)
        found = await events._groups_with_members(layer, {"char.1", "char.2", "node.3"})
        await layer.flush()
        return found

    assert asyncio.run(run()) == {"char.1"}


def test_events_reach_watched_groups_in_order_and_skip_the_rest(
    layer: RedisChannelLayer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "get_channel_layer", lambda: layer)
    sent: list[str] = []
    original = layer.group_send

    async def counting(group: str, message: dict[str, object]) -> None:
        sent.append(group)
        await original(group, message)

    monkeypatch.setattr(layer, "group_send", counting)

    async def run() -> list[int]:
        channel = await layer.new_channel()
        await layer.group_add("char.7", channel)
        messages = [
            (["char.7", "node.1"], {"type": "sample.processed", "n": n}) for n in range(3)
        ] + [(["char.8", "node.1"], {"type": "sample.processed", "n": 99})]
        await events._send_all(messages)
        received = [await layer.receive(channel) for _ in range(3)]
        await layer.flush()
        return [int(m["n"]) for m in received]

    assert asyncio.run(run()) == [0, 1, 2]
    assert sent == ["char.7"] * 3  # node.1 and char.8 have no members


def test_a_full_backlog_drops_and_counts_instead_of_growing(
    layer: RedisChannelLayer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "get_channel_layer", lambda: layer)
    loop = asyncio.new_event_loop()
    monkeypatch.setattr(events, "_loop", loop)
    monkeypatch.setattr(events, "_backlog", events.MAX_BACKLOG)
    monkeypatch.setattr(loop, "is_running", lambda: True)
    before = events.dropped
    events.send_many([(["char.1"], {"type": "sample.processed"})])
    assert events.dropped == before + 1
    monkeypatch.undo()
    loop.close()


def test_watched_groups_asks_redis_synchronously(
    layer: RedisChannelLayer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "get_channel_layer", lambda: layer)

    async def join() -> None:
        await layer.group_add("node.4", await layer.new_channel())

    asyncio.run(join())
    assert events.watched_groups({"char.1", "node.4", "node.5"}) == {"node.4"}
    assert events.watched_groups(set()) == set()
    asyncio.run(layer.flush())
    assert events.watched_groups({"node.4"}) == set()


@pytest.mark.django_db
def test_events_are_built_for_watched_samples_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from channels.layers import InMemoryChannelLayer

    from spc.pipeline.processing import SubgroupInput, process_many
    from spc.tests.factories import CharacteristicFactory

    memory = InMemoryChannelLayer()
    monkeypatch.setattr(events, "get_channel_layer", lambda: memory)
    watched, unwatched = (
        CharacteristicFactory.create(center_line=10.0, ucl=13.0, lcl=7.0) for _ in range(2)
    )

    async def watch() -> None:
        await memory.group_add(events.char_group(watched.pk), await memory.new_channel())

    asyncio.run(watch())
    seen, unseen = process_many(
        [SubgroupInput(characteristic_id=c.pk, measurements=(14.0,)) for c in (watched, unwatched)]
    )
    assert not isinstance(seen, Exception)
    assert not isinstance(unseen, Exception)
    assert seen.prepared_event is not None
    assert unseen.prepared_event is None
    # Read anyway, the unwatched event is built on demand and says the same things.
    event = unseen.event
    assert event["sample"]["id"] == unseen.sample.pk
    assert event["open_violations"] == {"WARNING": 0, "CRITICAL": 1}
    assert event["state"] == seen.event["state"] == "CRITICAL"
