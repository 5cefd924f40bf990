"""What a live page's socket may say: a ping, a catch-up with a whole last id, else nothing."""

from __future__ import annotations

import pytest

from spc.live.client_messages import ClientMessage, read_client_message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"type": "ping"}', ClientMessage("ping")),
        ('{"type": "catch_up", "last_sample_id": 41}', ClientMessage("catch_up", 41)),
        ('{"type": "catch_up", "last_sample_id": "7"}', ClientMessage("catch_up", 7)),
        ('{"type": "catch_up"}', ClientMessage("catch_up", 0)),
        ('{"type": "catch_up", "last_sample_id": "x"}', None),
        ('{"type": "catch_up", "last_sample_id": [1]}', None),
        ('{"type": "other"}', None),
        ("[1, 2]", None),
        ("not json", None),
        (None, None),
    ],
)
def test_messages(text: str | None, expected: ClientMessage | None) -> None:
    assert read_client_message(text) == expected
