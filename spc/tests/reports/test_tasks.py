"""Report jobs run as celery tasks (eager here) and record their progress."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from spc.core.errors import InputError
from spc.models import Sample
from spc.reports import jobs, tasks
from spc.tests.reports.conftest import Dataset


def test_xlsx_report_job_runs_to_done_with_the_file(dataset: Dataset, report_dir: Path) -> None:
    job = tasks.start_report("report", "xlsx", {"node": dataset.plant["line"].pk}, None)
    assert job.state == jobs.DONE
    assert job.progress == 100
    assert job.path.parent == report_dir
    assert job.filename.endswith(".xlsx")
    book = load_workbook(job.path, read_only=True)
    assert book.sheetnames == [
        "Capability",
        "Violations",
        "Subgroups",
        "Annotations",
        "Corrections",
    ]
    assert job.rows == 2 + 6 + 13 + 4  # capability rows, violations, subgroups


def test_csv_job_counts_rows(dataset: Dataset) -> None:
    job = tasks.start_report("subgroups", "csv", {}, None)
    assert job.state == jobs.DONE
    with job.path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) - 1 == job.rows == Sample.objects.count()


def test_pdf_job_always_makes_the_full_report(dataset: Dataset, pdf_engine: None) -> None:
    job = tasks.start_report("violations", "pdf", {}, None)
    assert job.kind == "report"
    assert job.state == jobs.DONE
    assert job.path.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("kind", "fmt", "field"),
    [("report", "csv", "kind"), ("x", "xlsx", "kind"), ("subgroups", "doc", "format")],
)
def test_bad_requests_are_rejected_before_queueing(
    db: None, report_dir: Path, kind: str, fmt: str, field: str
) -> None:
    with pytest.raises(InputError) as info:
        tasks.start_report(kind, fmt, {}, None)
    assert info.value.field == field
    assert list(report_dir.iterdir()) == []


def test_unknown_node_is_rejected(db: None, report_dir: Path) -> None:
    with pytest.raises(InputError) as info:
        tasks.start_report("subgroups", "csv", {"node": 999999}, None)
    assert info.value.field == "node"


def test_a_failing_writer_marks_the_job_failed(
    dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(tasks.xlsx, "write_workbook", broken)
    job = tasks.start_report("subgroups", "xlsx", {}, None)
    assert job.state == jobs.FAILED
    assert job.message == "The report could not be written."
    assert job.finished_at is not None


def test_progress_is_stored_while_the_job_runs(
    dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, int]] = []
    real_update = jobs.update_job

    def spy(job: jobs.Job, **changes: object) -> jobs.Job:
        new = real_update(job, **changes)
        seen.append((new.state, new.progress))
        return new

    monkeypatch.setattr(jobs, "update_job", spy)
    monkeypatch.setattr(tasks.xlsx, "PROGRESS_EVERY", 5)
    tasks.start_report("subgroups", "xlsx", {}, None)
    states = [s for s, _ in seen]
    assert states[0] == jobs.RUNNING
    assert states[-1] == jobs.DONE
    progress = [p for s, p in seen if s == jobs.RUNNING]
    assert progress == sorted(progress)
    assert any(0 < p < 100 for p in progress)


def test_load_job_rejects_path_tricks(report_dir: Path) -> None:
    assert jobs.load_job("../../etc/passwd") is None
    assert jobs.load_job("nope") is None


def test_purge_removes_only_old_reports(dataset: Dataset, report_dir: Path) -> None:
    old = tasks.start_report("subgroups", "csv", {}, None)
    new = tasks.start_report("violations", "csv", {}, None)
    jobs.update_job(old, created_at=(timezone.now() - timedelta(days=8)).isoformat())
    assert tasks.purge_reports() == 1
    assert jobs.load_job(old.id) is None
    assert not old.path.exists()
    assert jobs.load_job(new.id) is not None
    assert new.path.exists()
