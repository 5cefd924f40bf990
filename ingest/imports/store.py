"""Storing one batch of an import's subgroups through the one pipeline, wherever it runs:
the job's thread, a lane thread or a lane process (``lane_process``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ingest.imports.subgroups import Parsed, Problem
from spc.core.errors import InputError
from spc.models import Sample
from spc.pipeline.bulk_rows import stored_keys
from spc.pipeline.processing import SubgroupInput, process_many

COLLECT_EVERY = 16
"""Batches between two collections of the young generations (``gc_pause``): each
collection traverses the batches queued meanwhile, 6 % of an import's CPU when run after
every batch; the cycles of 16 batches (episode heads) are a few hundred objects."""


@dataclass
class Outcome:
    """What storing one batch came to: row and sample counts, the pipeline's refusals
    (as problem dicts) and the characteristics whose charts changed."""

    done: int = 0
    stored: int = 0
    replayed: int = 0
    refused: int = 0
    violations: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    characteristic_ids: set[int] = field(default_factory=set)


def store_batch(batch: list[Parsed], prefix: str, user_id: int | None) -> Outcome:
    """Feed one batch through the pipeline (in a lane's thread or its own process)."""
    outcome = Outcome(characteristic_ids={p.characteristic_id for p in batch})
    if not batch:
        return outcome
    # A re-import's rows are stored already: counted here with one query, so the pipeline
    # does not build a replay result (the stored sample and its event) for each.
    keyed = [((p.characteristic_id, f"{prefix}{p.row}"), p) for p in batch]
    seen = stored_keys(Sample, "characteristic", "idempotency_key", {i for i, _ in keyed})
    if seen:
        fresh = []
        for ident, parsed in keyed:
            if ident in seen:
                outcome.replayed += 1
                outcome.done += parsed.rows
            else:
                fresh.append((ident, parsed))
        keyed = fresh
    batch = [parsed for _, parsed in keyed]
    inputs = [
        SubgroupInput(
            characteristic_id=p.characteristic_id,
            measurements=tuple(p.values),
            count=p.count,
            sample_size=p.sample_size,
            timestamp=p.stamp,
            idempotency_key=key,
            operator=p.operator,
            batch_number=p.batch,
            part_number=p.part,
            source="IMPORT",
            user_id=user_id,
        )
        for (_, key), p in keyed
    ]
    for parsed, result in zip(batch, process_many(inputs, keys_unseen=True), strict=True):
        outcome.done += parsed.rows
        if isinstance(result, InputError):
            outcome.refused += 1
            outcome.problems.append(Problem(parsed.row, result.field, result.message).as_dict())
        elif result.created:
            outcome.stored += 1
            outcome.violations += len(result.violations)
        else:
            outcome.replayed += 1
    return outcome
