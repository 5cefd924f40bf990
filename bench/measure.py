"""What every bench prints beside its rate: CPU time of the processes that did the work,
the machine's load while it ran, and fresh planner statistics on PostgreSQL.

A shared two-core machine makes wall-clock rates and p99 latencies noisy; CPU seconds per
request or per message are steadier, so those are the figures to compare across runs.
"""

from __future__ import annotations

import os
from pathlib import Path


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of a process so far (0 where /proc is missing)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its live children (daphne's or celery's workers)."""
    total = cpu_seconds(pid)
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return total
    return total + sum(tree_cpu_seconds(int(child)) for child in children)


def machine_line() -> str:
    """Cores and load averages (1, 5, 15 min): how busy the host was around the run."""
    try:
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = "unknown"
    return f"machine    {os.cpu_count()} cores, load average {load} (1/5/15 min)"


def analyze(tables: list[str] | None = None) -> str:
    """ANALYZE on PostgreSQL (all tables, or ``tables``) so the planner knows the bench's
    rows, as autovacuum would on a plant's server; returns a line saying what it did."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return "planner    SQLite (no ANALYZE needed)"
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" + (" " + ", ".join(tables) if tables else ""))
    return "planner    PostgreSQL ANALYZE run after loading"
