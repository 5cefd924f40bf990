"""Celery tasks that write report files, reporting progress on their job.

Eager (inline) on the embedded default; a real worker with Redis in production. The
worker must import this module: ``app.autodiscover_tasks(["spc.reports"])``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from celery import shared_task
from django.utils import timezone

from spc.core.errors import InputError
from spc.reports import exports, jobs, pdf, xlsx
from spc.reports.scope import scope_from_params

logger = logging.getLogger(__name__)

#: What the "report" kind puts in a workbook, in sheet order.
WORKBOOK_TABLES = ("capability", "violations", "subgroups", "annotations", "corrections")
REPORT_KINDS = (*exports.TABLES, "report")


def start_report(kind: str, fmt: str, scope: dict[str, Any], user_id: int | None) -> jobs.Job:
    """Validate the request, store a job and queue its task; returns the job as queued.

    CSV takes one table kind; XLSX one kind or "report" (capability, violations and
    subgroups sheets); PDF is always the full printable report. Raises ``InputError``.
    """
    if fmt not in jobs.FORMATS:
        raise InputError("format", f"Choose a format from {list(jobs.FORMATS)}.")
    if kind not in REPORT_KINDS:
        raise InputError("kind", f"Choose a report from {list(REPORT_KINDS)}.")
    if fmt == "csv" and kind == "report":
        raise InputError("kind", "A CSV file holds one table: choose which.")
    if fmt == "pdf":
        kind = "report"
    scope_from_params(scope)  # raises InputError now rather than in the worker
    job = jobs.create_job(kind, fmt, scope, user_id)
    run_report.delay(job.id)
    return jobs.load_job(job.id) or job


@shared_task(name="reports.run_report", ignore_result=True)
def run_report(job_id: str) -> None:
    """Write the job's file; the job ends DONE with a filename or FAILED with a message."""
    job = jobs.load_job(job_id)
    if job is None or job.is_finished:
        return
    job = jobs.update_job(job, state=jobs.RUNNING)
    try:
        rows = _write(job)
    except Exception as exc:
        logger.exception("report %s failed", job.id)
        message = exc.message if isinstance(exc, InputError) else "The report could not be written."
        jobs.update_job(job, state=jobs.FAILED, message=message, finished_at=_now())
        return
    scope = scope_from_params(job.scope)
    jobs.update_job(
        job,
        state=jobs.DONE,
        progress=100,
        rows=rows,
        filename=exports.filename(job.kind, scope, job.format),
        finished_at=_now(),
    )


@shared_task(name="reports.purge_reports", ignore_result=True)
def purge_reports() -> int:
    """Remove report files older than ``jobs.KEEP_FOR`` (schedule daily with celery beat)."""
    return jobs.purge()


def _write(job: jobs.Job) -> int:
    """Write the report file for ``job``; returns the number of table rows written."""
    scope = scope_from_params(job.scope)
    if job.format == "pdf":
        expected = len(pdf.report_characteristics(scope))
        return pdf.write_pdf(job.path, scope, _progress(job, expected))
    kinds = WORKBOOK_TABLES if job.kind == "report" else (job.kind,)
    tables = [exports.table(k, scope) for k in kinds]
    expected = sum(t.count() for t in tables)
    progress = _progress(job, expected)
    if job.format == "xlsx":
        return sum(xlsx.write_workbook(job.path, tables, progress).values())
    counter = _Counter(progress)
    with job.path.open("w", newline="") as handle:
        for chunk in exports.csv_chunks(tables[0], counter.count(tables[0].rows)):
            handle.write(chunk)
    return counter.rows


class _Counter:
    """Counts rows passing through and tells ``progress`` every 1,000 rows."""

    def __init__(self, progress: xlsx.Progress) -> None:
        self.rows = 0
        self.progress = progress

    def count(self, rows: Iterator[exports.Row]) -> Iterator[exports.Row]:
        for row in rows:
            self.rows += 1
            if self.rows % 1000 == 0:
                self.progress(self.rows)
            yield row


def _progress(job: jobs.Job, expected: int) -> xlsx.Progress:
    """A callback storing the percentage done, at most once per percent."""
    last = {"percent": -1}

    def report(done: int) -> None:
        percent = min(99, int(100 * done / expected)) if expected else 99
        if percent > last["percent"]:
            last["percent"] = percent
            jobs.update_job(job, state=jobs.RUNNING, progress=percent, rows=done)

    return report


def _now() -> str:
    return timezone.now().isoformat()
