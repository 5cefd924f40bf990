"""Per-topic token buckets: what passes, what waits, what is dropped, in which order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ingest.rate_limits import BLOCK, DROP_OLDEST, TopicLimit, TopicRateLimiter


def test_an_unlimited_topic_passes_everything() -> None:
    limiter: TopicRateLimiter[int] = TopicRateLimiter()
    passed = [limiter.offer("t", i, None, 0.0).passed for i in range(100)]
    assert passed == [[i] for i in range(100)]
    assert limiter.held() == 0
    assert limiter.next_turn(0.0) is None


def test_a_burst_waits_its_turns_in_order() -> None:
    limiter: TopicRateLimiter[int] = TopicRateLimiter()
    limit = TopicLimit(rate=2.0)
    passed = [p for i in range(5) for p in limiter.offer("t", i, limit, 0.0).passed]
    assert passed == [0, 1]  # one second's worth saved up
    assert limiter.held() == 3
    assert limiter.next_turn(0.0) == 0.5
    assert limiter.release(0.25) == []
    assert limiter.release(0.5) == [2]
    assert limiter.release(1.5) == [3, 4]
    assert limiter.held() == 0


def test_a_new_message_queues_behind_held_ones() -> None:
    limiter: TopicRateLimiter[str] = TopicRateLimiter()
    limit = TopicLimit(rate=1.0)
    assert limiter.offer("t", "a", limit, 0.0).passed == ["a"]
    assert limiter.offer("t", "b", limit, 0.0).passed == []
    # At t=1 a token is due, but b was first: c waits although it came with the token.
    assert limiter.offer("t", "c", limit, 1.0).passed == []
    assert limiter.release(1.0) == ["b"]
    assert limiter.release(2.0) == ["c"]


def test_drop_oldest_keeps_the_newest_held() -> None:
    limiter: TopicRateLimiter[str] = TopicRateLimiter()
    limit = TopicLimit(rate=1.0, max_held=2, policy=DROP_OLDEST)
    results = [limiter.offer("t", x, limit, 0.0) for x in "abcde"]
    assert [r.passed for r in results] == [["a"], [], [], [], []]
    assert [d for r in results for d in r.dropped] == ["b", "c"]
    assert not limiter.blocked()
    assert limiter.release(10.0) == ["d"]  # a quiet second saves up one token at 1/s
    assert limiter.release(11.0) == ["e"]


def test_block_drops_nothing_and_says_when_to_stop_reading() -> None:
    limiter: TopicRateLimiter[str] = TopicRateLimiter()
    limit = TopicLimit(rate=1.0, max_held=2, policy=BLOCK)
    results = [limiter.offer("t", x, limit, 0.0) for x in "abcd"]  # d: offered while full
    assert [d for r in results for d in r.dropped] == []
    assert limiter.held() == 3
    assert limiter.blocked()
    assert limiter.release(1.0) == ["b"]
    assert limiter.blocked()
    assert limiter.release(2.0) == ["c"]
    assert not limiter.blocked()


def test_topics_are_limited_apart() -> None:
    limiter: TopicRateLimiter[str] = TopicRateLimiter()
    limit = TopicLimit(rate=1.0)
    assert limiter.offer("a", "a1", limit, 0.0).passed == ["a1"]
    assert limiter.offer("a", "a2", limit, 0.0).passed == []
    assert limiter.offer("b", "b1", limit, 0.0).passed == ["b1"]
    assert limiter.offer("c", "c1", None, 0.0).passed == ["c1"]


def test_removing_a_limit_lets_the_held_messages_go_first() -> None:
    limiter: TopicRateLimiter[str] = TopicRateLimiter()
    limit = TopicLimit(rate=1.0)
    for x in "abc":
        limiter.offer("t", x, limit, 0.0)
    assert limiter.offer("t", "d", None, 0.0).passed == ["b", "c", "d"]
    assert limiter.held() == 0


arrivals = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=0.5, allow_nan=False),  # gap before it
        st.sampled_from("xyz"),  # topic
        st.booleans(),  # release before it
    ),
    max_size=80,
)


@given(
    arrivals,
    st.floats(min_value=0.5, max_value=50),
    st.integers(min_value=1, max_value=20),
    st.sampled_from([DROP_OLDEST, BLOCK]),
)
def test_every_message_is_accounted_for_in_order_and_within_the_rate(
    arrivals: list[tuple[float, str, bool]], rate: float, max_held: int, policy: str
) -> None:
    limiter: TopicRateLimiter[tuple[str, int]] = TopicRateLimiter()
    limit = TopicLimit(rate=rate, max_held=max_held, policy=policy)
    now = 0.0
    out: list[tuple[str, int]] = []
    out_times: dict[str, list[float]] = {"x": [], "y": [], "z": []}
    dropped: list[tuple[str, int]] = []

    def went(items: list[tuple[str, int]]) -> None:
        out.extend(items)
        for topic, _ in items:
            out_times[topic].append(now)

    for index, (gap, topic, release_first) in enumerate(arrivals):
        now += gap
        if release_first:
            went(limiter.release(now))
        offered = limiter.offer(topic, (topic, index), limit, now)
        went(offered.passed)
        dropped.extend(offered.dropped)
        if policy == BLOCK:
            assert not offered.dropped
    while limiter.held():
        turn = limiter.next_turn(now)
        assert turn is not None
        now += turn
        went(limiter.release(now))
    # Nothing lost or doubled: what went on and what was dropped are what came.
    assert sorted(out + dropped) == sorted((topic, i) for i, (_, topic, _) in enumerate(arrivals))
    for topic in "xyz":
        mine = [i for t, i in out if t == topic]
        assert mine == sorted(mine), "a topic's messages went on out of order"
        # A token bucket: in any window of length w, at most burst + rate * w went on.
        times = out_times[topic]
        for first in range(len(times)):
            for last in range(first, len(times)):
                window = times[last] - times[first]
                assert last - first + 1 <= limit.burst + rate * window + 1e-9
