"""``IngestCounter.add``: one upsert adds to several counters, creating missing ones."""

from __future__ import annotations

import pytest

from ingest.models import IngestCounter

pytestmark = pytest.mark.django_db


def values() -> dict[str, int]:
    return dict(IngestCounter.objects.values_list("name", "value"))


def test_add_creates_then_accumulates() -> None:
    IngestCounter.add({"messages": 500, "measurements": 480})
    IngestCounter.add({"messages": 20, "redelivered": 3})
    IngestCounter.increment("messages")
    assert values() == {"messages": 521, "measurements": 480, "redelivered": 3}


def test_adding_nothing_writes_nothing() -> None:
    IngestCounter.add({})
    assert values() == {}
