"""The shared cache's Redis backend against a real Redis: what Django's does, with one
client object per connection pool instead of one per operation."""

from __future__ import annotations

import uuid

import pytest

from conftest import require_service
from openspc.caches import TrustedKeysRedisCache

pytestmark = pytest.mark.services


def test_the_redis_backend_stores_reads_and_drops_with_one_client() -> None:
    require_service(6379, "Redis")
    cache = TrustedKeysRedisCache("redis://127.0.0.1:6379/13", {})
    prefix = f"shared-test:{uuid.uuid4().hex}"
    try:
        assert cache.add(f"{prefix}:a", "token-1", timeout=None)
        assert not cache.add(f"{prefix}:a", "token-2", timeout=None)
        cache.set(f"{prefix}:b", (b"{}", b"[]", None), timeout=30)
        assert cache.get(f"{prefix}:a") == "token-1"
        assert cache.get(f"{prefix}:b") == (b"{}", b"[]", None)
        cache.delete_many([f"{prefix}:a", f"{prefix}:b"])
        assert cache.get_many([f"{prefix}:a", f"{prefix}:b"]) == {}
        client = cache._cache.get_client()
        assert cache._cache.get_client(write=True) is client  # made once, then reused
    finally:
        cache.delete_many([f"{prefix}:a", f"{prefix}:b"])
        cache.close()
