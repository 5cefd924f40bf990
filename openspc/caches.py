"""Cache backends for keys the code builds itself.

Django checks every key against memcached's rules (length, control characters) and warns;
for the shared cache's keys, made from ids and tokens, the check can never warn, and on
the ingest worker's path (a data token dropped per stored sample) it cost more than the
cache operation itself. These backends skip it; everything else is Django's.
"""

from __future__ import annotations

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache


class TrustedKeysLocMemCache(LocMemCache):
    """Django's per-process memory cache without the per-key memcached check."""

    def validate_key(self, key: str) -> None:
        """Keys are built by the code (ids and tokens): nothing to check."""


class TrustedKeysRedisCache(RedisCache):
    """Django's Redis cache without the per-key memcached check."""

    def validate_key(self, key: str) -> None:
        """Keys are built by the code (ids and tokens): nothing to check."""
