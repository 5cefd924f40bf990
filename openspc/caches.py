"""Cache backends for keys the code builds itself, and a Redis client made once.

Django checks every key against memcached's rules (length, control characters) and warns;
for the shared cache's keys, made from ids and tokens, the check can never warn, and on
the ingest worker's path (a data token dropped per stored sample) it cost more than the
cache operation itself. These backends skip it.

Django's Redis backend also builds a new ``redis.Redis`` object around its connection pool
for every operation; with redis-py 8 that constructor cost about a millisecond of CPU per
API request (three cache reads). :class:`TrustedKeysRedisCache` keeps one client per pool:
a ``redis.Redis`` object is safe to share between threads (its pool hands each command a
connection of its own).

Django keeps its cache instances per request context under ASGI, so each API request
served by daphne built a new Redis cache, a new connection pool and a new TCP connection
with its handshake (10 % of the server's CPU with 8 clients posting). :func:`shared_cache`
makes one instance per process instead, rebuilt when a test overrides ``CACHES``.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from typing import Any

from django.core.cache import BaseCache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.core.signals import setting_changed
from django.db import transaction


class TrustedKeysLocMemCache(LocMemCache):
    """Django's per-process memory cache without the per-key memcached check."""

    def validate_key(self, key: str) -> None:
        """Keys are built by the code (ids and tokens): nothing to check."""


class ReusedRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client that makes one ``redis.Redis`` per connection pool."""

    def __init__(self, servers: Any, **options: Any) -> None:
        super().__init__(servers, **options)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        """The client of the pool Django would pick, made on first use."""
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._client(connection_pool=pool)  # type: ignore[attr-defined]
            self._clients[id(pool)] = client
        return client


class TrustedKeysRedisCache(RedisCache):
    """Django's Redis cache without the per-key memcached check, one client per pool."""

    def __init__(self, server: Any, params: Any) -> None:
        super().__init__(server, params)
        self._class = ReusedRedisCacheClient

    def validate_key(self, key: str) -> None:
        """Keys are built by the code (ids and tokens): nothing to check."""


SHARED = "shared"
"""The alias of the cache every process shares (Redis when ``REDIS_URL`` is set)."""

_sequence = itertools.count()
_process = f"{os.getpid():x}.{time.time_ns():x}"


_shared: BaseCache | None = None
_shared_guard = threading.Lock()


def shared_cache() -> BaseCache:
    """The shared cache (``settings.CACHES["shared"]``): one instance per process."""
    global _shared
    cache = _shared
    if cache is None:
        with _shared_guard:
            if _shared is None:
                _shared = caches.create_connection(SHARED)
            cache = _shared
    return cache


def _forget_shared(setting: str, **kwargs: Any) -> None:
    """``setting_changed`` receiver: a test that overrides ``CACHES`` gets its backend."""
    global _shared
    if setting == "CACHES":
        with _shared_guard:
            _shared = None


setting_changed.connect(_forget_shared, dispatch_uid="openspc.caches.forget_shared")


def current_token(key: str) -> str:
    """The token under ``key`` in the shared cache, added when there is none.

    Tokens are never reused (process, start time and a counter), so dropping a token is
    how it is replaced: the next reader adds a new one, never an old one's value again.
    """
    cache = shared_cache()
    token = cache.get(key)
    if token is None:
        token = f"{_process}.{next(_sequence)}"
        if not cache.add(key, token, timeout=None):
            token = cache.get(key) or token
    return str(token)


def drop_token(key: str) -> None:
    """Drop the token under ``key`` now and, inside a transaction, again after it commits
    (a reader between the two would otherwise keep data read before the change)."""

    def drop() -> None:
        shared_cache().delete(key)  # the next reader adds a new token

    drop()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(drop)
