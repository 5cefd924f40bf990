"""Bounds of a characteristic's optional schedule and retention policies.

The model only requires a positive integer (or null = off). The admin form and the REST
serializer also cap each policy, so the periodic jobs never build a ``timedelta`` or a
due time past what ``datetime`` holds (``timedelta(days=10**9)`` overflows) from a typo.
"""

from __future__ import annotations

POLICY_MAX = {
    "sampling_interval_minutes": 366 * 24 * 60,  # one sample a year at most
    "retention_days": 100 * 366,  # a century
    "recalc_every_days": 10 * 366,  # a decade
}
"""Largest accepted value of each policy field (the smallest is 1)."""
