"""The ingest bench's database work: a plant's history loaded first, the planner
statistics autovacuum would keep, the workers' counter the sustained phase times, and the
removal of everything a run created.

Used by ``bench/ingest.py`` once Django is set up.
"""

from __future__ import annotations

import itertools
import json
import random
import time
from datetime import timedelta
from typing import Any


def measurements_counted() -> int:
    """The workers' ``measurements`` counter (every message is one I-MR sample)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(value), 0) FROM ingest_ingestcounter WHERE name = %s",
            ["measurements"],
        )
        return int(cursor.fetchone()[0])


def counted_by(target: int, timeout: float = 600.0) -> float:
    """The time the counter reached ``target``: read every 200 ms until it is within 5 %,
    then every 10 ms (reading it every 20 ms throughout took about 5 % of a core from
    the workers it was timing)."""
    deadline = time.monotonic() + timeout
    first = measurements_counted()
    while (now := measurements_counted()) < target:
        if time.monotonic() > deadline:
            raise SystemExit(f"the workers counted {now} of {target} within {timeout:.0f} s")
        time.sleep(0.01 if target - now <= 0.05 * (target - first) else 0.2)
    return time.time()


def load_history(site: Any, characteristics: int, per_characteristic: int) -> int:
    """Give the database a plant's history: ``per_characteristic`` I-MR samples (with their
    measurements) of each of ``characteristics`` manual characteristics that the run does
    not touch; the number of samples. Then analyze, as autovacuum would have.

    Indexes, caches and the planner then see tables of a plant that has been running,
    not empty ones that the run's own rows make grow many times over.
    """
    from django.utils import timezone

    from spc.models import Characteristic, Measurement, Sample
    from spc.pipeline.bulk_rows import insert_objects, insert_tuples, unsaved

    if per_characteristic <= 0:
        return 0
    chars = Characteristic.objects.bulk_create(
        Characteristic(
            hierarchy=site,
            name=f"history-{time.time_ns()}-{i}",
            chart_type="I_MR",
            center_line=10.0,
            ucl=13.0,
            lcl=7.0,
            sigma=1.0,
        )
        for i in range(characteristics)
    )
    rng = random.Random(0)
    start = timezone.now() - timedelta(minutes=per_characteristic)
    total = 0
    # One step first, then analyze: statistics that say the table is empty (as after an
    # earlier run's cleanup) would have the foreign-key checks scan it whole for every
    # later row. Then ten steps per statement.
    starts = [0, *range(1, per_characteristic, 10)]
    ends = [*starts[1:], per_characteristic]
    for first, end in zip(starts, ends, strict=True):
        samples = []
        for step, char in itertools.product(range(first, end), chars):
            stamp = start + timedelta(minutes=step)
            value = rng.gauss(10.0, 1.0)
            samples.append(
                unsaved(
                    Sample,
                    {
                        "characteristic_id": char.pk,
                        "timestamp": stamp,
                        "received_at": stamp,
                        "source": "MQTT",
                        "idempotency_key": f"id:history-{char.pk}-{step}",
                        "actual_n": 1.0,
                        "mean": value,
                        "value": value,
                        "center_line": 10.0,
                        "ucl": 13.0,
                        "lcl": 7.0,
                        "z_score": value - 10.0,
                        "zone": "C",
                        "state": [],
                    },
                )
            )
        insert_objects(samples)
        insert_tuples(
            Measurement,
            ("sample", "position", "value"),
            [(sample.pk, 0, sample.value) for sample in samples],
        )
        total += len(samples)
        if first == 0 or end == per_characteristic:
            autovacuum()
    return total


def autovacuum(command: str = "ANALYZE") -> None:
    """On PostgreSQL, do now what autovacuum does as the tables change: the ingest tables'
    planner statistics (``ANALYZE``) or their dead rows as well (``VACUUM ANALYZE``).

    A plant's PostgreSQL runs autovacuum; some test machines turn it off. Without it the
    statistics say a table that started empty still is, and the foreign-key checks cache
    sequential scans of ``spc_sample`` that get slower with every batch.
    """
    from django.db import connection

    from alerts.models import Violation
    from ingest.models import IngestCounter
    from spc.models import Characteristic, Measurement, Sample

    if connection.vendor != "postgresql":
        return
    tables = ", ".join(
        m._meta.db_table for m in (Characteristic, Sample, Measurement, Violation, IngestCounter)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"{command} {tables}")


def remove_characteristics(chars: Any) -> None:
    """Delete characteristics with their samples, measurements and violations.

    The bench's rows go when it ends, so that each run starts from the same database
    (runs that left theirs had grown a shared one to 32,000 characteristics and three
    million samples). The bulky tables go first with one statement each; the ORM then
    deletes the characteristics and whatever small rows still point at them.
    """
    from django.db import connection, transaction

    from alerts.models import Violation
    from spc.models import Measurement, Sample

    ids = list(chars.values_list("pk", flat=True))
    in_ids = (
        "= ANY(%s)" if connection.vendor == "postgresql" else "IN (SELECT value FROM json_each(%s))"
    )
    param = ids if connection.vendor == "postgresql" else json.dumps(ids)
    samples = f"SELECT id FROM {Sample._meta.db_table} WHERE characteristic_id {in_ids}"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {Measurement._meta.db_table} WHERE sample_id IN ({samples})", [param]
        )
        for model in (Violation, Sample):
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE characteristic_id {in_ids}", [param]
            )
        chars.delete()
