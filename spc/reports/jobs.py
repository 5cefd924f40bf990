"""Report jobs: a JSON status file beside the report it produces.

The web process creates the job and the celery worker (inline on the embedded default)
updates it, so the state lives where both can see it: a directory both share
(``settings.OPENSPC_REPORTS_DIR``, default ``data/reports``). Files are replaced
atomically, so a reader never sees half a status.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

PENDING, RUNNING, DONE, FAILED = "PENDING", "RUNNING", "DONE", "FAILED"
#: Report files are kept this long, then :func:`purge` removes them.
KEEP_FOR = timedelta(days=7)
FORMATS = ("csv", "xlsx", "pdf")
CONTENT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class Job:
    """One requested report: what, for whom, how far along, and the file when done.

    ``progress`` is a percentage (0-100); ``rows`` counts rows written so far.
    """

    id: str
    kind: str
    format: str
    scope: dict[str, Any]
    user_id: int | None
    state: str = PENDING
    progress: int = 0
    rows: int = 0
    message: str = ""
    filename: str = ""
    created_at: str = field(default_factory=lambda: timezone.now().isoformat())
    finished_at: str | None = None

    @property
    def is_finished(self) -> bool:
        """True once the job is DONE or FAILED."""
        return self.state in (DONE, FAILED)

    @property
    def path(self) -> Path:
        """Where the report file is (or will be) written."""
        return reports_dir() / f"{self.id}.{self.format}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, without the user id."""
        data = asdict(self)
        data.pop("user_id")
        return data


def reports_dir() -> Path:
    """The directory shared by the web process and the workers; created on first use."""
    default = Path(settings.BASE_DIR) / "data" / "reports"
    path = Path(getattr(settings, "OPENSPC_REPORTS_DIR", "") or default)
    path.mkdir(parents=True, exist_ok=True)
    return path


def create_job(kind: str, fmt: str, scope: dict[str, Any], user_id: int | None) -> Job:
    """Store a new PENDING job and return it."""
    job = Job(id=uuid.uuid4().hex, kind=kind, format=fmt, scope=scope, user_id=user_id)
    _write(job)
    return job


def load_job(job_id: str) -> Job | None:
    """The job with ``job_id``, or None when there is no such job."""
    if not job_id.isalnum():
        return None
    try:
        data = json.loads(_status_path(job_id).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return Job(**data)


def update_job(job: Job, **changes: Any) -> Job:
    """Store ``job`` with ``changes`` applied and return the new version."""
    new = replace(job, **changes)
    _write(new)
    return new


def purge(older_than: timedelta = KEEP_FOR, *, now: datetime | None = None) -> int:
    """Delete jobs (status and file) created more than ``older_than`` ago; returns how many."""
    cutoff = (now or timezone.now()) - older_than
    removed = 0
    for status in reports_dir().glob("*.json"):
        job = load_job(status.stem)
        if job is None or datetime.fromisoformat(job.created_at) >= cutoff:
            continue
        job.path.unlink(missing_ok=True)
        status.unlink(missing_ok=True)
        removed += 1
    return removed


def _status_path(job_id: str) -> Path:
    return reports_dir() / f"{job_id}.json"


def _write(job: Job) -> None:
    directory = reports_dir()
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        json.dump(asdict(job), handle)
    os.replace(tmp, _status_path(job.id))
