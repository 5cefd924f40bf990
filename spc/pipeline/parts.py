"""Part numbers of short-run characteristics (DNOM, Z-MR): each job's part standard.

A sample of a short-run characteristic is judged relative to its part number's target (and
sigma, for Z-MR) from the characteristic's part table (``spc.PartTarget``). ``attach``
gives each job of a batch its ``PartStandard`` with one query, and refuses a job whose part
number is missing or not in the table with :class:`UnknownPart` (field ``part_number``):
a 400 from REST, a form error, an MQTT dead letter counted under ``unknown_part``. Other
characteristics' jobs pass untouched, whatever part number they carry (it is stored).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from spc.core import shortrun
from spc.core.errors import InputError
from spc.core.types import ChartType, PartStandard, Subgroup
from spc.models import Characteristic, PartTarget, Sample
from spc.pipeline.rows import Job

PartTable = Mapping[str, PartStandard]


class UnknownPart(InputError):  # noqa: N818 - reads as the condition
    """A short-run sample whose part number is missing or has no target."""


def is_short_run(chart_type: str) -> bool:
    """True for DNOM and Z-MR characteristics."""
    return chart_type in shortrun.SHORT_RUN


def tables(characteristic_ids: Iterable[int]) -> dict[int, dict[str, PartStandard]]:
    """The part tables of the given characteristics (one query)."""
    out: dict[int, dict[str, PartStandard]] = {}
    rows = PartTarget.objects.filter(characteristic_id__in=list(characteristic_ids))
    for cid, part, target, sigma in rows.values_list(
        "characteristic_id", "part_number", "target", "sigma"
    ):
        out.setdefault(cid, {})[part] = PartStandard(target, sigma)
    return out


def standard_for(char: Characteristic, part_number: str, table: PartTable) -> PartStandard:
    """The part's standard on a short-run characteristic, or ``UnknownPart``."""
    part = (part_number or "").strip()
    label = "Z-MR" if shortrun.needs_sigma(char.chart_type) else "DNOM"
    if not part:
        raise UnknownPart(
            "part_number", f"{char.name} is a {label} chart: a part number is required."
        )
    standard = table.get(part)
    if standard is None:
        raise UnknownPart(
            "part_number",
            f"No target for part {part} on {char.name}: add it to the characteristic's part table.",
        )
    if shortrun.needs_sigma(char.chart_type) and standard.sigma is None:
        raise UnknownPart(
            "part_number", f"Part {part} has no sigma: a Z-MR chart needs each part's sigma."
        )
    return standard


def attach(jobs: list[Job], chars: Mapping[int, Characteristic], results: list[Any]) -> list[Job]:
    """Give the jobs of short-run characteristics their part standard; refuse the others.

    Returns the jobs that go on; a refused job's result is its ``UnknownPart``.
    """
    short = {
        job.data.characteristic_id
        for job in jobs
        if is_short_run(chars[job.data.characteristic_id].chart_type)
    }
    if not short:
        return jobs
    found = tables(short)
    live = []
    for job in jobs:
        cid = job.data.characteristic_id
        if cid not in short:
            live.append(job)
            continue
        try:
            standard = standard_for(chars[cid], job.data.part_number, found.get(cid, {}))
        except UnknownPart as exc:
            results[job.index] = exc
            continue
        job.subgroup = replace(job.subgroup, part=standard)
        live.append(job)
    return live


def with_part(
    subgroup: Subgroup, sample: Sample, chart_type: ChartType, table: PartTable | None = None
) -> Subgroup:
    """A stored sample's subgroup with its part standard, on a short-run chart (re-judging
    and recalculation); other charts' subgroups unchanged. ``table``: the characteristic's
    part table when the caller has read it, else one query. A part no longer in the table
    leaves the subgroup without one (the core refuses it on ``part_number``)."""
    if chart_type not in shortrun.SHORT_RUN:
        return subgroup
    if table is None:
        table = tables([sample.characteristic_id]).get(sample.characteristic_id, {})
    return replace(subgroup, part=table.get(sample.part_number))
