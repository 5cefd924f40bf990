"""Garbage-collector settings for the long-running processes (server, ingest worker).

A full (generation 2) collection walks every tracked object of the process; with Django,
the app registry and the rolling-window caches loaded that is tens of milliseconds, and it
lands at random on whichever request or sample is being handled (the live fan-out's p99
was one such pause). Objects alive at start-up live as long as the process, so they are
moved to the permanent generation, where collections no longer walk them.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000
"""Allocations between young collections (CPython's default is 700): a bulk request or an
ingest batch allocates a few hundred thousand short-lived objects, most gone before the
next collection would look at them, so collecting 70 times less often saves their walks
without letting cycles grow far."""


def freeze_startup_objects() -> None:
    """Collect once, then exempt everything alive now from future collections, and
    collect the young generation less often (:data:`YOUNG_THRESHOLD`)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
